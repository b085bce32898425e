package dev.dlpipe.load;

/** One decoded row group: {@code rows} examples, features packed row after row, and their labels. */
public record TensorBlock(int rows, int featureSize, float[] features, int[] labels) {

    public long bytes() {
        return (long) features.length * Float.BYTES + (long) labels.length * Integer.BYTES;
    }
}
