package dev.dlpipe.load;

import dev.dlpipe.LocalPaths;
import static org.bytedeco.hdf5.global.hdf5.*;

import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.Closeable;
import java.io.File;
import java.util.List;
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
    /** Dataset names tried in order when reading a file from elsewhere; the first present is used. */
    static final List<String> FEATURE_NAMES = List.of(FEATURES, "x", "X", "data", "images", "inputs");
    static final List<String> LABEL_NAMES = List.of(LABELS, "label", "y", "targets", "target");
    /**
     * Closes and frees HDF5 objects now, on this thread, under {@link #LIBHDF5} (callers hold it). A JavaCPP object
     * left to the garbage collector is freed later by JavaCPP's deallocator thread, outside the lock; that freed a
     * data space while a task was reading another file and crashed the JVM in H5SL_search. So every HDF5 object here
     * is closed explicitly: data spaces and property lists by try-with-resources, files and datasets by this.
     */
    static void closeLocked(org.bytedeco.javacpp.Pointer... objects) {
        for (org.bytedeco.javacpp.Pointer o : objects) {
            if (o != null) {
                o.close(); // the C++ destructor closes the HDF5 id, then the memory is freed
            }
        }
    }

    /** Rows per block of a file read as a shard: about 32 MB of float32 features, whatever the row size. */
    public static int blockRows(int featureSize) {
        return Math.max(1, (32 << 20) / (Math.max(1, featureSize) * Float.BYTES));
    }

    public static boolean isHdf5(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        return SUFFIXES.stream().anyMatch(lower::endsWith);
    }

    /** File name endings read as HDF5. */
    public static final List<String> SUFFIXES = List.of(".h5", ".hdf5", ".he5");

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
            try (DSetCreatPropList props = new DSetCreatPropList();
                 DataSpace space = new DataSpace(dims.length, dims, max)) {
                props.setChunk(chunk.length, chunk);
                if (gzipLevel > 0) {
                    props.setDeflate(gzipLevel);
                }
                return file.createDataSet(name, type, space, props, DSetAccPropList.DEFAULT(),
                        LinkCreatPropList.DEFAULT());
            }
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
            long[] count = {pending, shape[0], shape[1], shape[2]};
            try (DataSpace fileSpace = features.getSpace(); DataSpace memory = new DataSpace(4, count);
                 FloatPointer buffer = new FloatPointer(pendingFeatures)) {
                fileSpace.selectHyperslab(H5S_SELECT_SET, count, new long[] {rows, 0, 0, 0});
                features.write(buffer, PredType.NATIVE_FLOAT(), memory, fileSpace, DSetMemXferPropList.DEFAULT());
            }
            labels.extend(new long[] {rows + pending});
            try (DataSpace labelSpace = labels.getSpace(); DataSpace memory = new DataSpace(1, new long[] {pending});
                 IntPointer buffer = new IntPointer(pendingLabels)) {
                labelSpace.selectHyperslab(H5S_SELECT_SET, new long[] {pending}, new long[] {rows});
                labels.write(buffer, PredType.NATIVE_INT32(), memory, labelSpace, DSetMemXferPropList.DEFAULT());
            }
            rows += pending;
            pending = 0;
        }

        @Override
        public void close() {
            flush();
            synchronized (LIBHDF5) {
                closeLocked(features, labels, file);
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
        private final int labelRank;
        private final int rowsPerBlock;
        private final int channels;
        private final int height;
        private final int width;
        private int[] labelRange;
        private TensorSpec spec; // its class count needs a pass over the labels: computed when asked for

        /** The file as a shard: blocks of {@link #blockRows} rows, as {@link ShardIndex} cuts it. */
        public Blocks(String localPath) {
            this(localPath, 0);
        }

        /** {@code rowsPerBlock}: rows per {@link #read} (0 = {@link #blockRows}). */
        public Blocks(String localPath, int rowsPerBlock) {
            this.path = LocalPaths.stripFileScheme(localPath);
            if (!new File(path).isFile()) {
                throw new UserError(path + ": HDF5 file not found");
            }
            synchronized (LIBHDF5) {
                H5File f;
                try {
                    f = new H5File(path, H5F_ACC_RDONLY());
                } catch (RuntimeException e) {
                    throw new UserError(path + ": cannot open as HDF5 (corrupt or truncated?): " + e.getMessage(), e);
                }
                DataSet feat = null;
                DataSet lab = null;
                try {
                    feat = f.openDataSet(dataset(f, path, FEATURE_NAMES, "features"));
                    String labelName = LABEL_NAMES.stream().filter(f::nameExists).findFirst().orElse(null);
                    lab = labelName == null ? null : f.openDataSet(labelName); // unlabeled: rows to score
                    long[] fd = dims(feat);
                    long[] labelDims = lab == null ? new long[] {fd[0]} : dims(lab);
                    boolean column = labelDims.length == 2 && labelDims[1] == 1; // (N, 1), as Keras-style code writes y
                    if (!(labelDims.length == 1 || column) || labelDims[0] != fd[0]) {
                        throw new UserError(path + ": " + fd[0] + " feature rows but labels of shape "
                                + java.util.Arrays.toString(labelDims) + "; labels must be (N) or (N, 1) class indexes");
                    }
                    if (lab != null && lab.asAbstractDs().getTypeClass() != H5T_INTEGER) {
                        throw new UserError(path + ": labels must be integer class indexes (int8..int64), not floats or"
                                + " strings");
                    }
                    this.featureDims = fd;
                    this.isFloat = feat.asAbstractDs().getTypeClass() == H5T_FLOAT;
                    this.labelRank = labelDims.length;
                } catch (RuntimeException e) {
                    closeLocked(lab, feat, f); // nothing of a file that failed to open is left to the GC
                    throw e instanceof UserError u ? u : new UserError(path + ": cannot open its datasets: "
                            + e.getMessage(), e);
                }
                this.file = f;
                this.features = feat;
                this.labels = lab;
            }
            int rank = featureDims.length;
            if (rank < 2 || rank > 4) {
                throw new UserError(path + ": features must be (N, F), (N, H, W) or (N, C, H, W), rank is " + rank);
            }
            this.rows = featureDims[0];
            this.channels = rank == 4 ? (int) featureDims[1] : 1;
            this.height = rank == 2 ? 1 : (int) featureDims[rank - 2];
            this.width = (int) featureDims[rank - 1];
            this.rowsPerBlock = rowsPerBlock > 0 ? rowsPerBlock : blockRows(featureSize());
        }

        /**
         * The dataset holding {@code role}: the first of {@code names} present (h5py users call them features/x/X/...
         * and labels/y/...), or an error listing what the file has.
         */
        private static String dataset(H5File file, String path, List<String> names, String role) {
            for (String n : names) {
                if (file.nameExists(n)) {
                    return n;
                }
            }
            List<String> present = new java.util.ArrayList<>();
            for (long i = 0, n = file.getNumObjs(); i < n; i++) {
                present.add(file.getObjnameByIdx(i).getString());
            }
            throw new UserError(path + ": no " + role + " dataset; looked for " + names + ", the file has " + present);
        }
        private static long[] dims(DataSet ds) {
            try (DataSpace space = ds.getSpace()) {
                long[] d = new long[space.getSimpleExtentNdims()];
                space.getSimpleExtentDims(d);
                return d;
            }
        }

        /** The smallest and largest label, in one pass; a negative label is an error naming the row. */
        public synchronized int[] labelRange() {
            if (labelRange == null && labels == null) {
                labelRange = new int[] {-1, -1};
            }
            if (labelRange == null) {
                int min = Integer.MAX_VALUE;
                int max = -1;
                for (long first = 0; first < rows; first += 1 << 20) {
                    int n = (int) Math.min(1 << 20, rows - first);
                    int[] values = readLabels(first, n);
                    for (int i = 0; i < n; i++) {
                        if (values[i] < 0) {
                            throw new UserError(path + ": label " + values[i] + " in row " + (first + i)
                                    + "; class labels are indexes 0..K-1");
                        }
                        min = Math.min(min, values[i]);
                        max = Math.max(max, values[i]);
                    }
                }
                labelRange = rows == 0 ? new int[] {0, -1} : new int[] {min, max};
            }
            return labelRange.clone();
        }

        public long rows() {
            return rows;
        }

        /** The shape from the dataset's dimensions; classes = the largest label + 1 (one pass over the labels). */
        @Override
        public synchronized TensorSpec spec() {
            if (spec == null) {
                spec = new TensorSpec(channels, height, width, TensorSpec.AS_STORED, labelRange()[1] + 1);
            }
            return spec;
        }

        public int rowsPerBlock() {
            return rowsPerBlock;
        }

        public int featureSize() {
            return channels * height * width;
        }

        @Override
        public int count() {
            return (int) ((rows + rowsPerBlock - 1) / rowsPerBlock);
        }

        @Override
        public TensorBlock read(int index) {
            long first = (long) index * rowsPerBlock;
            int n = (int) Math.min(rowsPerBlock, rows - first);
            int fs = featureSize();
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
                FloatPointer buffer = new FloatPointer(values);
                try (DataSpace fileSpace = features.getSpace(); DataSpace memory = new DataSpace(count.length, count)) {
                    fileSpace.selectHyperslab(H5S_SELECT_SET, count, start);
                    features.read(buffer, PredType.NATIVE_FLOAT(), memory, fileSpace, DSetMemXferPropList.DEFAULT());
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
            if (labels == null) {
                java.util.Arrays.fill(out, -1);
                return out;
            }
            long[] count = labelRank == 1 ? new long[] {n} : new long[] {n, 1};
            try (DataSpace fileSpace = labels.getSpace(); DataSpace memory = new DataSpace(labelRank, count);
                 IntPointer buffer = new IntPointer(n)) {
                fileSpace.selectHyperslab(H5S_SELECT_SET, count, labelRank == 1 ? new long[] {first} : new long[] {first, 0});
                labels.read(buffer, PredType.NATIVE_INT32(), memory, fileSpace, DSetMemXferPropList.DEFAULT());
                buffer.get(out);
            }
            return out;
        }

        @Override
        public void close() {
            synchronized (LIBHDF5) {
                closeLocked(features, labels, file);
            }
        }
    }
}
