package dev.dlpipe.core;

import dev.dlpipe.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Identifies an input by content: SHA-256 over the relative names and bytes of its data files, in name order.
 * Hidden and underscore files (staging dirs, {@code _SUCCESS}, manifests) are skipped, so a fingerprint speaks
 * only of the data.
 */
public final class Fingerprint {

    private Fingerprint() {
    }

    /** {path, files, bytes, sha256} for a file or directory; a missing input is a {@link UserError}. */
    public static Map<String, Object> of(String input) {
        Path root = Fs.path(input);
        FileSystem fs = Fs.fs(root);
        try {
            if (!fs.exists(root)) {
                throw new UserError("input path does not exist: " + input);
            }
            List<FileStatus> files = new ArrayList<>();
            FileStatus rootStatus = fs.getFileStatus(root);
            if (rootStatus.isFile()) {
                files.add(rootStatus);
            } else {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    LocatedFileStatus st = it.next();
                    if (isDataFile(root, st.getPath())) {
                        files.add(st);
                    }
                }
            }
            files.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            long bytes = 0;
            String rootString = fs.makeQualified(root).toString();
            for (FileStatus st : files) {
                String rel = fs.makeQualified(st.getPath()).toString().substring(rootString.length());
                digest.update(rel.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = fs.open(st.getPath())) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        digest.update(buf, 0, n);
                    }
                }
                bytes += st.getLen();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", rootString);
            out.put("files", files.size());
            out.put("bytes", bytes);
            out.put("sha256", HexFormat.of().formatHex(digest.digest()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint " + input, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of one file's bytes, hex. */
    public static String sha256(String file) {
        try (InputStream in = Fs.open(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isDataFile(Path root, Path file) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String n = p.getName();
            if (n.startsWith(".") || n.startsWith("_")) {
                return false;
            }
        }
        return true;
    }
}
