package dev.dlpipe.load;

import dev.dlpipe.LocalPaths;
import static org.bytedeco.hdf5.global.hdf5.*;

import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.Closeable;
import java.io.File;
import org.bytedeco.hdf5.DSetAccPropList;
import org.bytedeco.hdf5.DSetCreatPropList;
import org.bytedeco.hdf5.DSetMemXferPropList;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.LinkCreatPropList;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The HDF5 layout of one shard, through libhdf5 itself (JavaCPP): datasets {@code features} (N, C, H, W) float32
 * and {@code labels} (N) int32, both chunked along N and optionally gzip-compressed, as h5py writes and reads them.
 * The reader takes HDF5 files from elsewhere too (h5py: any numeric dtype, converted by libhdf5 on read; rank
 * 2, 3 or 4) and reads by hyperslabs of whole chunks, never the whole dataset.
 */
public final class Hdf5Shard {

    public static final String FEATURES = "features";
    public static final String LABELS = "labels";

    /**
     * libhdf5 as packaged for JavaCPP is not built thread-safe: two Spark tasks creating files at once crashed the
     * JVM inside H5SL_remove. Every libhdf5 call in this process runs under this lock; HDF5 I/O within one executor
     * is therefore serial (Parquet and the memory-mapped layout are not affected).
     */
    static final Object LIBHDF5 = new Object();

    private Hdf5Shard() {
    }

    /** Appends examples in chunk-sized hyperslab writes to extendible datasets. */
    public static final class Writer implements Closeable {
        private final H5File file;
        private final DataSet features;
        private final DataSet labels;
        private final int featureSize;
        private final long[] shape;
        private final int chunkRows;
        private final float[] pendingFeatures;
        private final int[] pendingLabels;
        private int pending;
        private long rows;

        public Writer(String localPath, TensorSpec spec, int chunkRows, int gzipLevel) {
            String path = LocalPaths.stripFileScheme(localPath);
            new File(path).getParentFile().mkdirs();
            this.featureSize = spec.featureSize();
            this.shape = new long[] {spec.channels(), spec.height(), spec.width()};
            this.chunkRows = chunkRows;
            this.pendingFeatures = new float[chunkRows * featureSize];
            this.pendingLabels = new int[chunkRows];
            synchronized (LIBHDF5) {
                this.file = new H5File(path, H5F_ACC_TRUNC());
                this.features = create(FEATURES, PredType.NATIVE_FLOAT(), new long[] {0, shape[0], shape[1], shape[2]},
                        new long[] {chunkRows, shape[0], shape[1], shape[2]}, gzipLevel);
                this.labels = create(LABELS, PredType.NATIVE_INT32(), new long[] {0}, new long[] {chunkRows}, gzipLevel);
            }
        }

        private DataSet create(String name, PredType type, long[] dims, long[] chunk, int gzipLevel) {
            long[] max = dims.clone();
            max[0] = -1L; // H5S_UNLIMITED: the dataset grows chunk by chunk
            DSetCreatPropList props = new DSetCreatPropList();
            props.setChunk(chunk.length, chunk);
            if (gzipLevel > 0) {
                props.setDeflate(gzipLevel);
            }
            return file.createDataSet(name, type, new DataSpace(dims.length, dims, max), props,
                    DSetAccPropList.DEFAULT(), LinkCreatPropList.DEFAULT());
        }

        public void write(int label, float[] values) {
            System.arraycopy(values, 0, pendingFeatures, pending * featureSize, featureSize);
            pendingLabels[pending++] = label;
            if (pending == chunkRows) {
                flush();
            }
        }

        private void flush() {
            if (pending == 0) {
                return;
            }
            synchronized (LIBHDF5) {
                flushLocked();
            }
        }

        private void flushLocked() {
            long[] newDims = {rows + pending, shape[0], shape[1], shape[2]};
            features.extend(newDims);
            DataSpace fileSpace = features.getSpace();
            fileSpace.selectHyperslab(H5S_SELECT_SET, new long[] {pending, shape[0], shape[1], shape[2]},
                    new long[] {rows, 0, 0, 0});
            try (FloatPointer buffer = new FloatPointer(pendingFeatures)) {
                features.write(buffer, PredType.NATIVE_FLOAT(),
                        new DataSpace(4, new long[] {pending, shape[0], shape[1], shape[2]}), fileSpace,
                        DSetMemXferPropList.DEFAULT());
            }
            labels.extend(new long[] {rows + pending});
            DataSpace labelSpace = labels.getSpace();
            labelSpace.selectHyperslab(H5S_SELECT_SET, new long[] {pending}, new long[] {rows});
            try (IntPointer buffer = new IntPointer(pendingLabels)) {
                labels.write(buffer, PredType.NATIVE_INT32(), new DataSpace(1, new long[] {pending}), labelSpace,
                        DSetMemXferPropList.DEFAULT());
            }
            rows += pending;
            pending = 0;
        }

        @Override
        public void close() {
            flush();
            synchronized (LIBHDF5) {
                features._close();
                labels._close();
                file._close();
            }
        }
    }

    /** Blocks of whole chunks read by hyperslab; any numeric dtype arrives as float32 through libhdf5. */
    public static final class Blocks implements EpochIterator.Blocks, Closeable {
        private final String path;
        private final H5File file;
        private final DataSet features;
        private final DataSet labels;
        private final long rows;
        private final long[] featureDims;
        private final boolean isFloat;
        private final int rowsPerBlock;
        private final TensorSpec spec;

        public Blocks(String localPath, int rowsPerBlock) {
            this.path = LocalPaths.stripFileScheme(localPath);
            if (!new File(path).isFile()) {
                throw new UserError(path + ": HDF5 file not found");
            }
            synchronized (LIBHDF5) {
                try {
                    this.file = new H5File(path, H5F_ACC_RDONLY());
                    this.features = file.openDataSet(FEATURES);
                    this.labels = file.openDataSet(LABELS);
                } catch (RuntimeException e) {
                    throw new UserError(path + ": cannot open as HDF5 with '" + FEATURES + "' and '" + LABELS
                            + "' datasets (corrupt or truncated?): " + e.getMessage(), e);
                }
            }
            synchronized (LIBHDF5) {
                this.featureDims = dims(features);
                long[] labelDims = dims(labels);
                if (labelDims.length != 1 || labelDims[0] != featureDims[0]) {
                    throw new UserError(path + ": " + featureDims[0] + " feature rows but labels of shape "
                            + java.util.Arrays.toString(labelDims));
                }
                this.isFloat = features.asAbstractDs().getTypeClass() == H5T_FLOAT;
            }
            int rank = featureDims.length;
            if (rank < 2 || rank > 4) {
                throw new UserError(path + ": features must be (N, F), (N, H, W) or (N, C, H, W), rank is " + rank);
            }
            this.rows = featureDims[0];
            this.rowsPerBlock = rowsPerBlock;
            int c = rank == 4 ? (int) featureDims[1] : 1;
            int h = rank == 2 ? 1 : (int) featureDims[rank - 2];
            int w = (int) featureDims[rank - 1];
            this.spec = new TensorSpec(c, h, w, isFloat ? "unit" : "none", maxLabel() + 1);
        }

        private static long[] dims(DataSet ds) {
            DataSpace space = ds.getSpace();
            long[] d = new long[space.getSimpleExtentNdims()];
            space.getSimpleExtentDims(d);
            return d;
        }

        private int maxLabel() {
            int max = -1;
            for (long first = 0; first < rows; first += 1 << 20) {
                int n = (int) Math.min(1 << 20, rows - first);
                for (int v : readLabels(first, n)) {
                    max = Math.max(max, v);
                }
            }
            return max;
        }

        public long rows() {
            return rows;
        }

        @Override
        public TensorSpec spec() {
            return spec;
        }

        @Override
        public int count() {
            return (int) ((rows + rowsPerBlock - 1) / rowsPerBlock);
        }

        @Override
        public TensorBlock read(int index) {
            long first = (long) index * rowsPerBlock;
            int n = (int) Math.min(rowsPerBlock, rows - first);
            int fs = spec.featureSize();
            long[] count = featureDims.clone();
            count[0] = n;
            long[] start = new long[featureDims.length];
            start[0] = first;
            try {
                FloatPointer values = readFeatures(count, start, (long) n * fs);
                return TensorBlock.packed(n, fs, values.asByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN),
                        readLabels(first, n), values::close);
            } catch (RuntimeException e) {
                throw new UserError(path + ": cannot read rows " + first + ".." + (first + n) + ": " + e.getMessage(), e);
            }
        }

        /** One hyperslab of whole rows into native memory, converted to float32 by libhdf5 whatever the stored type. */
        private FloatPointer readFeatures(long[] count, long[] start, long values) {
            synchronized (LIBHDF5) {
                DataSpace fileSpace = features.getSpace();
                fileSpace.selectHyperslab(H5S_SELECT_SET, count, start);
                FloatPointer buffer = new FloatPointer(values);
                try {
                    features.read(buffer, PredType.NATIVE_FLOAT(), new DataSpace(count.length, count), fileSpace,
                            DSetMemXferPropList.DEFAULT());
                } catch (RuntimeException e) {
                    buffer.close();
                    throw e;
                }
                return buffer;
            }
        }

        private int[] readLabels(long first, int n) {
            synchronized (LIBHDF5) {
                return readLabelsLocked(first, n);
            }
        }

        private int[] readLabelsLocked(long first, int n) {
            int[] out = new int[n];
            DataSpace fileSpace = labels.getSpace();
            fileSpace.selectHyperslab(H5S_SELECT_SET, new long[] {n}, new long[] {first});
            try (IntPointer buffer = new IntPointer(n)) {
                labels.read(buffer, PredType.NATIVE_INT32(), new DataSpace(1, new long[] {n}), fileSpace,
                        DSetMemXferPropList.DEFAULT());
                buffer.get(out);
            }
            return out;
        }

        @Override
        public void close() {
            synchronized (LIBHDF5) {
                features._close();
                labels._close();
                file._close();
            }
        }
    }
}
