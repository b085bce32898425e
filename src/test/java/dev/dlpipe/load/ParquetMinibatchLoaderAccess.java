package dev.dlpipe.load;

/** Test access to the loader's package-private checks. */
public final class ParquetMinibatchLoaderAccess {

    private ParquetMinibatchLoaderAccess() {
    }

    public static void requireFinite(float[] features, long rowLength, String ref) {
        ParquetMinibatchLoader.requireFinite(java.nio.FloatBuffer.wrap(features), rowLength, ref);
    }
}
