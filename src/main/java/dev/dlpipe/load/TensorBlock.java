package dev.dlpipe.load;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One decoded block of examples (a Parquet row group, an mmap window, an HDF5 hyperslab): labels as ints, and each
 * example's float32 features as {@code featureSize * 4} little-endian bytes somewhere in one buffer. The buffer may be
 * a mapped file region or a Parquet page run, so rows are found by offset and copied out as bytes; nothing is
 * decoded per value and nothing is allocated per row.
 */
public final class TensorBlock {

    static {
        // Rows are copied byte for byte into ND4J buffers, which use the platform order; x86-64 and aarch64 are LE.
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("dlpipe loaders need a little-endian platform");
        }
    }

    private final int rows;
    private final int featureSize;
    private final ByteBuffer data;
    private final int[] rowOffsets; // byte offset of each row in data; null when rows are packed from offset 0
    private final int[] labels;
    private final Runnable release;

    private TensorBlock(int rows, int featureSize, ByteBuffer data, int[] rowOffsets, int[] labels, Runnable release) {
        if (labels.length < rows) {
            throw new IllegalArgumentException(labels.length + " labels for " + rows + " rows");
        }
        long needed = rowOffsets == null ? (long) rows * featureSize * Float.BYTES : 0;
        if (data.capacity() < needed) {
            throw new IllegalArgumentException(data.capacity() + " feature bytes for " + rows + " rows of " + featureSize);
        }
        this.rows = rows;
        this.featureSize = featureSize;
        this.data = data;
        this.rowOffsets = rowOffsets;
        this.labels = labels;
        this.release = release;
    }

    /** Rows packed one after another from offset 0 of {@code data}; {@code release} frees it (may be null). */
    public static TensorBlock packed(int rows, int featureSize, ByteBuffer data, int[] labels, Runnable release) {
        return new TensorBlock(rows, featureSize, data, null, labels, release);
    }

    /** Rows at the given byte offsets of {@code data} (e.g. between Parquet length prefixes and page headers). */
    public static TensorBlock atOffsets(int rows, int featureSize, ByteBuffer data, int[] rowOffsets, int[] labels,
                                        Runnable release) {
        if (rowOffsets.length < rows) {
            throw new IllegalArgumentException(rowOffsets.length + " row offsets for " + rows + " rows");
        }
        return new TensorBlock(rows, featureSize, data, rowOffsets, labels, release);
    }

    public int rows() {
        return rows;
    }

    public int featureSize() {
        return featureSize;
    }

    public int rowBytes() {
        return featureSize * Float.BYTES;
    }

    public int label(int row) {
        return labels[row];
    }

    /** Copies row {@code row}'s feature bytes to {@code target} at byte {@code targetOffset} (absolute, no views). */
    public void copyRow(int row, ByteBuffer target, int targetOffset) {
        int rowBytes = rowBytes();
        int from = rowOffsets == null ? row * rowBytes : rowOffsets[row];
        target.put(targetOffset, data, from, rowBytes);
    }

    /** Copies {@code count} consecutive rows starting at {@code row}, in as few bulk copies as the layout allows. */
    public void copyRows(int row, int count, ByteBuffer target, int targetOffset) {
        int rowBytes = rowBytes();
        if (rowOffsets == null) {
            target.put(targetOffset, data, row * rowBytes, count * rowBytes);
            return;
        }
        for (int i = 0; i < count; i++) {
            target.put(targetOffset + i * rowBytes, data, rowOffsets[row + i], rowBytes);
        }
    }

    public float feature(int row, int index) {
        int from = rowOffsets == null ? row * rowBytes() : rowOffsets[row];
        return data.order(ByteOrder.LITTLE_ENDIAN).getFloat(from + index * Float.BYTES);
    }

    /** Bytes this block keeps in memory (mapped bytes included: they count once touched). */
    public long bytes() {
        return (long) data.capacity() + (long) labels.length * Integer.BYTES;
    }

    /** Frees mapped or native memory now rather than at garbage collection; the block is unusable after. */
    public void release() {
        if (release != null) {
            release.run();
        }
    }
}
