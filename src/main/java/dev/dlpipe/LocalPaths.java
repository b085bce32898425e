package dev.dlpipe;

import java.net.URI;

/** Telling local paths from file-system URIs, for code that must use java.nio on local files (mmap, HDF5, checks). */
public final class LocalPaths {

    private LocalPaths() {
    }

    /** Local paths are checked up front; hdfs://, s3a:// and the like are checked by the stage that opens them. */
    public static boolean isLocal(String path) {
        int colon = path.indexOf(':');
        if (colon <= 1) { // no scheme (a Windows drive letter has colon at 1)
            return true;
        }
        try {
            String scheme = new URI(path).getScheme();
            return scheme == null || scheme.equals("file");
        } catch (Exception e) {
            return true;
        }
    }

    public static String stripFileScheme(String path) {
        return path.startsWith("file:") ? URI.create(path).getPath() : path;
    }
}
