package dev.dlpipe.core;

import dev.dlpipe.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Identifies an input: SHA-256 over its data files in name order, each contributing its relative name and a
 * digest of its own. Hidden and underscore files (staging dirs, {@code _SUCCESS}, manifests) are skipped, so a
 * fingerprint speaks only of the data. Two ways to get each file's digest ({@code run.fingerprint}):
 * <ul>
 * <li>{@code content}: SHA-256 of its bytes. With Spark at hand and more than one file, the files are hashed by
 *     tasks in parallel on the executors, close to the data, instead of streamed through the driver;</li>
 * <li>{@code listing}: its length and the checksum the store already keeps (HDFS's MD5-of-CRCs, an object store's
 *     ETag-based checksum), or its modification time where the store has none (a local disk): no byte is read,
 *     so terabytes cost a listing. Copying a run directory to a local disk changes these fingerprints.</li>
 * </ul>
 */
public final class Fingerprint {

    /** Below this much data, hashing on the driver beats scheduling tasks. */
    static final long PARALLEL_BYTES = 64L << 20;

    private Fingerprint() {
    }

    /** {path, files, bytes, sha256} by content on the driver (no Spark at hand). */
    public static Map<String, Object> of(String input) {
        return of(input, "content", null);
    }

    /** {path, files, bytes, method, sha256} for a file or directory; a missing input is a {@link UserError}. */
    public static Map<String, Object> of(String input, String method, JavaSparkContext jsc) {
        Path root = Fs.path(input);
        FileSystem fs = Fs.fs(root);
        try {
            if (!fs.exists(root)) {
                throw new UserError("input path does not exist: " + input);
            }
            List<FileStatus> files = dataFiles(fs, fs.makeQualified(root));
            String rootString = fs.makeQualified(root).toString();
            long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
            List<String> paths = files.stream().map(st -> fs.makeQualified(st.getPath()).toString()).toList();
            List<String> digests;
            if ("listing".equals(method)) {
                digests = new ArrayList<>();
                for (FileStatus st : files) {
                    FileChecksum sum = fs.getFileChecksum(st.getPath());
                    digests.add(st.getLen() + ":" + (sum != null ? sum.getAlgorithmName() + ":"
                            + HexFormat.of().formatHex(sum.getBytes()) : "mtime:" + st.getModificationTime()));
                }
            } else if (jsc != null && files.size() > 1 && bytes >= PARALLEL_BYTES) {
                digests = jsc.parallelize(paths, Math.min(paths.size(), Math.max(1, jsc.defaultParallelism() * 4)))
                        .map(Fingerprint::sha256).collect();
            } else {
                digests = paths.stream().map(Fingerprint::sha256).toList();
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (int i = 0; i < paths.size(); i++) {
                digest.update(paths.get(i).substring(rootString.length()).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(digests.get(i).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) '\n');
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", rootString);
            out.put("files", files.size());
            out.put("bytes", bytes);
            out.put("method", "listing".equals(method) ? "listing" : "content");
            out.put("sha256", HexFormat.of().formatHex(digest.digest()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fingerprint " + input, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<FileStatus> dataFiles(FileSystem fs, Path root) throws IOException {
        List<FileStatus> files = new ArrayList<>();
        FileStatus rootStatus = fs.getFileStatus(root);
        if (rootStatus.isFile()) {
            files.add(rootStatus);
            return files;
        }
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
            LocatedFileStatus st = it.next();
            if (Fs.isDataFile(root, st.getPath())) {
                files.add(st);
            }
        }
        files.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
        return files;
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
}
