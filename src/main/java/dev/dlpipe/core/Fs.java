package dev.dlpipe.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * File access through Hadoop's FileSystem, so the same code writes to a local disk, HDFS or an object store.
 * Checksum side files are switched off for the local file system: they are noise in a run directory.
 */
public final class Fs {

    private static volatile Configuration defaultConf;

    private Fs() {
    }

    /**
     * The Hadoop configuration: the driver's session hands its own over ({@link #useConf}); on an executor it is
     * built from the executor's Spark configuration, which carries every {@code spark.hadoop.*} setting of the job
     * (S3A credentials, HDFS client settings). A bare {@code new Configuration()} there, as before, silently lost
     * them: shards on S3 or a secured HDFS could not be opened by the training loader on a real cluster.
     */
    public static Configuration conf() {
        Configuration c = defaultConf;
        if (c == null) {
            c = fromSparkEnv();
            defaultConf = c;
        }
        return c;
    }

    /** What an executor uses: spark.hadoop.* of this JVM's SparkEnv (plain defaults outside Spark). */
    static Configuration fromSparkEnv() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        return env == null ? new Configuration()
                : org.apache.spark.deploy.SparkHadoopUtil.get().newConfiguration(env.conf());
    }

    public static void useConf(Configuration conf) {
        defaultConf = conf;
    }

    public static FileSystem fs(Path path) {
        try {
            FileSystem fs = path.getFileSystem(conf());
            fs.setWriteChecksum(false);
            fs.setVerifyChecksum(false);
            return fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open file system for " + path, e);
        }
    }

    public static Path path(String p) {
        return new Path(p);
    }

    public static boolean exists(String p) {
        Path path = path(p);
        try {
            return fs(path).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeString(String p, String content) {
        Path path = path(p);
        try (OutputStream out = fs(path).create(path, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }

    public static String readString(String p) {
        return new String(readBytes(p), StandardCharsets.UTF_8);
    }

    public static byte[] readBytes(String p) {
        Path path = path(p);
        try (InputStream in = fs(path).open(path)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p, e);
        }
    }

    public static OutputStream create(String p) throws IOException {
        Path path = path(p);
        return fs(path).create(path, true);
    }

    public static InputStream open(String p) throws IOException {
        Path path = path(p);
        return fs(path).open(path);
    }

    /** Copies one file (any file systems), replacing the target. */
    public static void copy(String from, String to) {
        try (InputStream in = open(from); OutputStream out = create(to)) {
            in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    public static long size(String p) {
        Path path = path(p);
        try {
            return fs(path).getContentSummary(path).getLength();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Joins a child name onto a directory path string, keeping any scheme. */
    public static String child(String dir, String name) {
        return new Path(dir, name).toString();
    }

    /** A fully qualified URI string (file:/abs/path for local paths), as executors on other hosts need. */
    public static String qualify(String p) {
        Path path = path(p);
        return fs(path).makeQualified(path).toString();
    }

    /** The directory that holds {@code p}, qualified. */
    public static String parent(String p) {
        return path(qualify(p)).getParent().toString();
    }

    /**
     * {@code p} relative to the directory {@code base} when both are on the same file system (a run directory
     * then stays valid when moved or copied elsewhere), else {@code p} qualified: an input on HDFS read by a local
     * run keeps its full URI. Paths above {@code base} get {@code ../} steps.
     */
    public static String relativeTo(String base, String p) {
        java.net.URI b = path(qualify(base)).toUri();
        java.net.URI t = path(qualify(p)).toUri();
        if (!java.util.Objects.equals(b.getScheme(), t.getScheme())
                || !java.util.Objects.equals(b.getAuthority(), t.getAuthority())) {
            return t.toString();
        }
        java.nio.file.Path rel = java.nio.file.Path.of(b.getPath()).relativize(java.nio.file.Path.of(t.getPath()));
        String r = rel.toString();
        return r.isEmpty() ? "." : r;
    }

    public static void mkdirs(String dir) {
        Path path = path(dir);
        try {
            fs(path).mkdirs(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Whether the path exists and is a file (not a directory). */
    public static boolean isFile(String p) {
        Path path = path(p);
        try {
            FileSystem fs = fs(path);
            return fs.exists(path) && fs.getFileStatus(path).isFile();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + p, e);
        }
    }

    /** The path itself if it is a file, else the first data file below it in name order; null if none. */
    public static String firstDataFile(String p) {
        return dataFiles(p, false).stream().sorted().findFirst().orElse(null);
    }

    /** A file, or a directory holding at least one file that is not hidden ({@link #isDataFile}). */
    public static boolean hasDataFiles(String p) {
        return !dataFiles(p, true).isEmpty();
    }

    /** The data files at or below {@code p}; with {@code firstOnly} the walk stops at the first one found. */
    private static java.util.List<String> dataFiles(String p, boolean firstOnly) {
        Path root = path(p);
        java.util.List<String> files = new java.util.ArrayList<>();
        try {
            FileSystem fs = fs(root);
            Path qualifiedRoot = fs.makeQualified(root);
            if (fs.getFileStatus(root).isFile()) {
                return java.util.List.of(qualifiedRoot.toString());
            }
            org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> it = fs.listFiles(root, true);
            while (it.hasNext() && !(firstOnly && !files.isEmpty())) {
                Path f = it.next().getPath();
                if (isDataFile(qualifiedRoot, f)) {
                    files.add(f.toString());
                }
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + p, e);
        }
    }

    /**
     * Data, not bookkeeping: no name between {@code root} and the file starts with "." or "_" (staging directories,
     * locks, {@code _SUCCESS}, manifests). Both paths qualified, so the walk stops at the root: above it, a directory
     * such as ~/.local must not hide the whole input.
     */
    public static boolean isDataFile(Path root, Path file) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String n = p.getName();
            if (n.startsWith(".") || n.startsWith("_")) {
                return false;
            }
        }
        return true;
    }
}
