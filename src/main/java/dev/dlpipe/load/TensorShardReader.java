package dev.dlpipe.load;

import dev.dlpipe.LocalPaths;
import dev.dlpipe.core.Fs;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.tensor.TensorShardFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * Reads a Parquet tensor shard a row group at a time. Two layouts:
 * <ul>
 * <li>ours ({@link TensorShardFormat}): {@code features} is one binary value of float32 bytes per row and the shape is
 * in the footer. Uncompressed PLAIN pages (what pack writes) take the fast route: the column chunks are mapped and
 * the block points at each row's bytes between the page headers and length prefixes, so rows go from the page
 * cache to the batch in one copy, with no object per row. Other encodings and codecs go through parquet-mr's
 * column readers.</li>
 * <li>a list of floats or doubles per row, as Spark ({@code array<float>}) and pyarrow ({@code list<float32>})
 * write it, with an int32 or int64 {@code label}. Without our footer keys the shape is taken as a flat vector of
 * the row length, and the class count as the largest label in the footer statistics plus one.</li>
 * </ul>
 * A corrupt or truncated file, a null, or a row of the wrong length is reported with the file's name. The reader keeps
 * only the footer, no open file (nothing to close), so callers may keep readers for their footers' sake.
 */
public final class TensorShardReader {

    private final String file;
    private final ParquetMetadata footer;
    private final MessageType schema;
    private final ColumnDescriptor labelColumn;
    private final ColumnDescriptor featureColumn;
    private final boolean featuresAsList;
    private final TensorSpec spec;
    private final boolean specFromFooter;

    public TensorShardReader(String file) {
        this.file = file;
        try (ParquetFileReader reader = open()) {
            this.footer = reader.getFooter();
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": cannot open as a Parquet tensor shard (corrupt or truncated?): "
                    + e.getMessage(), e);
        }
        this.schema = footer.getFileMetaData().getSchema();
        this.labelColumn = labelColumn();
        this.featureColumn = featureColumn();
        this.featuresAsList = featureColumn.getMaxRepetitionLevel() > 0;
        Map<String, String> keys = footer.getFileMetaData().getKeyValueMetaData();
        this.specFromFooter = keys.containsKey(TensorShardFormat.SHAPE);
        this.spec = specFromFooter ? TensorShardFormat.spec(keys, file) : inferSpec();
    }

    /** The top-level column names of any Parquet file, from its footer (no data read, no Spark). */
    public static List<String> columns(String file) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(Fs.path(file), Fs.conf()))) {
            return r.getFooter().getFileMetaData().getSchema().getFields().stream()
                    .map(org.apache.parquet.schema.Type::getName).toList();
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": cannot read as Parquet (corrupt or truncated?): " + e.getMessage(), e);
        }
    }

    private ParquetFileReader open() throws IOException {
        Path path = Fs.path(file);
        return ParquetFileReader.open(HadoopInputFile.fromPath(path, Fs.conf()));
    }

    /** The label column, or null for unlabeled data (new rows to score): every label then reads as -1. */
    private ColumnDescriptor labelColumn() {
        if (!schema.containsField("label")) {
            return null;
        }
        ColumnDescriptor c = schema.getColumnDescription(new String[] {"label"});
        PrimitiveTypeName t = c.getPrimitiveType().getPrimitiveTypeName();
        if (t != PrimitiveTypeName.INT32 && t != PrimitiveTypeName.INT64) {
            throw new UserError(file + ": column 'label' is " + t + ", expected an int32 or int64 class index");
        }
        return c;
    }

    private ColumnDescriptor featureColumn() {
        if (!schema.containsField("features")) {
            throw new UserError(file + ": tensor shard has no column 'features'");
        }
        List<ColumnDescriptor> leaves = schema.getColumns().stream()
                .filter(c -> c.getPath().length > 0 && c.getPath()[0].equals("features")).toList();
        if (leaves.size() != 1) {
            throw new UserError(file + ": column 'features' must be binary float32 bytes or a list of numbers");
        }
        ColumnDescriptor c = leaves.get(0);
        PrimitiveTypeName t = c.getPrimitiveType().getPrimitiveTypeName();
        boolean list = c.getMaxRepetitionLevel() == 1 && (t == PrimitiveTypeName.FLOAT || t == PrimitiveTypeName.DOUBLE);
        boolean bytes = c.getMaxRepetitionLevel() == 0 && c.getPath().length == 1 && t == PrimitiveTypeName.BINARY;
        if (!list && !bytes) {
            throw new UserError(file + ": column 'features' is " + c + "; expected binary float32 bytes or a list of"
                    + " float/double (Spark array<float>, pyarrow list<float32>)");
        }
        return c;
    }

    /** A flat shape from the list length, and classes from the largest label in the footer statistics. */
    private TensorSpec inferSpec() {
        if (!featuresAsList) {
            throw new UserError(file + ": binary 'features' need the shape in the footer (" + TensorShardFormat.SHAPE
                    + ")");
        }
        long maxLabel = -1;
        long values = 0;
        long rows = 0;
        for (BlockMetaData block : footer.getBlocks()) {
            for (ColumnChunkMetaData chunk : block.getColumns()) {
                if (labelColumn != null && chunk.getPath().toDotString().equals("label")) {
                    Statistics<?> st = chunk.getStatistics();
                    if (st == null || !st.hasNonNullValue()) {
                        throw new UserError(file + ": no label statistics in the footer; write "
                                + TensorShardFormat.NUM_CLASSES + " into the file metadata");
                    }
                    maxLabel = Math.max(maxLabel, ((Number) st.genericGetMax()).longValue());
                } else if (chunk.getPath().toArray()[0].equals("features")) {
                    values += chunk.getValueCount();
                }
            }
            rows += block.getRowCount();
        }
        if (rows == 0 || values % rows != 0) {
            throw new UserError(file + ": " + values + " feature values in " + rows + " rows: rows differ in length,"
                    + " so the tensor shape cannot be inferred");
        }
        return new TensorSpec(1, 1, Math.toIntExact(values / rows), TensorSpec.AS_STORED, Math.toIntExact(maxLabel + 1));
    }

    public TensorSpec spec() {
        return spec;
    }

    /**
     * The {@code id} column of row group {@code index} as strings (string or integer ids), or null when the shard
     * has none; callers then name rows by file and position.
     */
    public String[] ids(int index) {
        if (!schema.containsField("id")) {
            return null;
        }
        ColumnDescriptor c = schema.getColumnDescription(new String[] {"id"});
        PrimitiveTypeName t = c.getPrimitiveType().getPrimitiveTypeName();
        try (ParquetFileReader reader = open()) {
            PageReadStore pages = reader.readRowGroup(index);
            int rows = Math.toIntExact(pages.getRowCount());
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new DummyRecordConverter(schema).getRootConverter(),
                    schema, footer.getFileMetaData().getCreatedBy());
            ColumnReader r = store.getColumnReader(c);
            String[] ids = new String[rows];
            for (int i = 0; i < rows; i++) {
                if (r.getCurrentDefinitionLevel() == c.getMaxDefinitionLevel()) {
                    ids[i] = switch (t) {
                        case BINARY, FIXED_LEN_BYTE_ARRAY -> r.getBinary().toStringUsingUTF8();
                        case INT32 -> Integer.toString(r.getInteger());
                        case INT64 -> Long.toString(r.getLong());
                        default -> throw new UserError(file + ": column 'id' is " + t + "; expected a string or integer");
                    };
                }
                r.consume();
            }
            return ids;
        } catch (IOException e) {
            throw new UserError(file + ": cannot read the id column of row group " + index + ": " + e.getMessage(), e);
        }
    }

    /** Whether the shard has a label column (data to score may not). */
    public boolean labeled() {
        return labelColumn != null;
    }

    /**
     * The smallest and largest label from the footer statistics ({-1, -1} without a label column), or null where a
     * row group has no statistics.
     */
    public long[] labelRange() {
        if (labelColumn == null) {
            return new long[] {-1, -1};
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (BlockMetaData block : footer.getBlocks()) {
            for (ColumnChunkMetaData chunk : block.getColumns()) {
                if (chunk.getPath().toDotString().equals("label")) {
                    Statistics<?> st = chunk.getStatistics();
                    if (st == null || !st.hasNonNullValue()) {
                        return null;
                    }
                    min = Math.min(min, ((Number) st.genericGetMin()).longValue());
                    max = Math.max(max, ((Number) st.genericGetMax()).longValue());
                }
            }
        }
        return min > max ? null : new long[] {min, max};
    }

    /** Whether the shape and class count came from our footer keys (rather than being inferred). */
    public boolean specFromFooter() {
        return specFromFooter;
    }

    public List<BlockMetaData> rowGroups() {
        return footer.getBlocks();
    }

    public long rows() {
        return footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    }

    /** Decodes row group {@code index} into one block. */
    public TensorBlock read(int index) {
        List<BlockMetaData> groups = rowGroups();
        if (index < 0 || index >= groups.size()) {
            throw new UserError(file + ": row group " + index + " does not exist (" + groups.size() + " row groups)");
        }
        try {
            TensorBlock block = readPlainPages(index);
            return block != null ? block : readWithColumnReaders(index);
        } catch (UserError e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": cannot read row group " + index + " (corrupt or truncated?): "
                    + e.getMessage(), e);
        }
    }

    /** Row group {@code index} through the plain-page route, or null if it does not qualify (visible for tests). */
    TensorBlock readPlainPages(int index) throws IOException {
        return featuresAsList || labelColumn == null ? null : PlainPages.read(file, rowGroups().get(index), labelColumn, featureColumn,
                spec.featureSize());
    }

    /** Any encoding, codec and list layout, through parquet-mr's column readers. */
    private TensorBlock readWithColumnReaders(int index) throws IOException {
        int featureSize = spec.featureSize();
        PageReadStore pages;
        try (ParquetFileReader reader = open()) {
            pages = reader.readRowGroup(index); // the pages are in memory after this
        }
        if (pages == null) {
            throw new UserError(file + ": row group " + index + " does not exist");
        }
        int rows = Math.toIntExact(pages.getRowCount());
        ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages, new DummyRecordConverter(schema).getRootConverter(),
                schema, footer.getFileMetaData().getCreatedBy());
        int[] labels = new int[rows];
        if (labelColumn == null) {
            java.util.Arrays.fill(labels, -1);
        }
        ColumnReader labelReader = labelColumn == null ? null : store.getColumnReader(labelColumn);
        boolean int64 = labelColumn != null
                && labelColumn.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT64;
        for (int i = 0; labelReader != null && i < rows; i++) {
            if (labelReader.getCurrentDefinitionLevel() < labelColumn.getMaxDefinitionLevel()) {
                throw new UserError(file + ": row " + i + " of row group " + index + " has a null label");
            }
            labels[i] = int64 ? Math.toIntExact(labelReader.getLong()) : labelReader.getInteger();
            labelReader.consume();
        }
        ByteBuffer features = ByteBuffer.allocate(rows * featureSize * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ColumnReader featureReader = store.getColumnReader(featureColumn);
        if (featuresAsList) {
            readLists(featureReader, rows, featureSize, features, index);
        } else {
            int expectedBytes = featureSize * Float.BYTES;
            for (int i = 0; i < rows; i++) {
                if (featureReader.getCurrentDefinitionLevel() < featureColumn.getMaxDefinitionLevel()) {
                    throw new UserError(file + ": row " + i + " of row group " + index + " has null features");
                }
                Binary b = featureReader.getBinary();
                if (b.length() != expectedBytes) {
                    throw wrongLength(i, index, b.length() + " feature bytes", expectedBytes + "");
                }
                features.put(b.toByteBuffer());
                featureReader.consume();
            }
        }
        return TensorBlock.packed(rows, featureSize, features, labels, null);
    }

    /** Rows of a repeated float/double leaf: a repetition level of 0 starts a row; nulls are errors. */
    private void readLists(ColumnReader r, int rows, int featureSize, ByteBuffer out, int group) {
        boolean dbl = featureColumn.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.DOUBLE;
        int maxDef = featureColumn.getMaxDefinitionLevel();
        for (int i = 0; i < rows; i++) {
            int n = 0;
            do {
                int def = r.getCurrentDefinitionLevel();
                if (def < maxDef) {
                    // below the element level: null list, empty list or null element
                    throw new UserError(file + ": row " + i + " of row group " + group + " has a null or empty"
                            + " features list, or a null element");
                }
                if (n == featureSize) {
                    throw wrongLength(i, group, "more than " + featureSize + " features", featureSize + "");
                }
                out.putFloat(dbl ? (float) r.getDouble() : r.getFloat());
                n++;
                r.consume();
            } while (r.getCurrentRepetitionLevel() > 0);
            if (n != featureSize) {
                throw wrongLength(i, group, n + " features", featureSize + "");
            }
        }
    }

    private UserError wrongLength(int row, int group, String got, String expected) {
        return new UserError(file + ": row " + row + " of row group " + group + " has " + got + ", expected "
                + expected + " for shape " + spec.channels() + "x" + spec.height() + "x" + spec.width());
    }

    /**
     * The fast route for our own layout: required columns, PLAIN encoding, uncompressed data pages (v1 or v2), no
     * dictionary. The column chunks are mapped (local files) or read once (other file systems); the page headers are
     * parsed with parquet-format's Thrift reader; each row's offset is recorded after checking its length prefix.
     */
    static final class PlainPages {

        private PlainPages() {
        }

        /** The block, or null when the row group does not qualify (the caller then uses the column readers). */
        static TensorBlock read(String file, BlockMetaData group, ColumnDescriptor labelColumn,
                                ColumnDescriptor featureColumn, int featureSize) throws IOException {
            ColumnChunkMetaData labelChunk = chunk(group, labelColumn);
            ColumnChunkMetaData featureChunk = chunk(group, featureColumn);
            if (!qualifies(labelChunk, labelColumn) || !qualifies(featureChunk, featureColumn)
                    || labelColumn.getPrimitiveType().getPrimitiveTypeName() != PrimitiveTypeName.INT32) {
                return null;
            }
            int rows = Math.toIntExact(group.getRowCount());
            int[] labels = new int[rows];
            ByteBuffer labelBytes = chunkBytes(file, labelChunk);
            boolean plainLabels = walk(labelBytes, rows, (page, pos, n, first) -> {
                for (int i = 0; i < n; i++) {
                    labels[first + i] = page.getInt(pos + i * 4);
                }
                return pos + n * 4;
            });
            release(labelBytes);
            if (!plainLabels) {
                return null;
            }
            ByteBuffer featureBytes = chunkBytes(file, featureChunk);
            int rowBytes = featureSize * Float.BYTES;
            int[] offsets = new int[rows];
            boolean plain;
            try {
                plain = walk(featureBytes, rows, (page, pos, n, first) -> {
                    for (int i = 0; i < n; i++) {
                        int length = page.getInt(pos);
                        if (length != rowBytes) {
                            throw new UserError(file + ": row " + (first + i) + " of a row group at byte "
                                    + group.getStartingPos() + " has " + length + " feature bytes, expected " + rowBytes);
                        }
                        offsets[first + i] = pos + 4;
                        pos += 4 + rowBytes;
                    }
                    return pos;
                });
            } catch (RuntimeException e) {
                release(featureBytes);
                throw e;
            }
            if (!plain) {
                release(featureBytes);
                return null;
            }
            Runnable unmap = featureBytes instanceof MappedByteBuffer m ? MappedFile.unmapper(m) : null;
            return TensorBlock.atOffsets(rows, featureSize, featureBytes, offsets, labels, unmap);
        }

        private static ColumnChunkMetaData chunk(BlockMetaData group, ColumnDescriptor column) {
            for (ColumnChunkMetaData c : group.getColumns()) {
                if (java.util.Arrays.equals(c.getPath().toArray(), column.getPath())) {
                    return c;
                }
            }
            throw new IllegalStateException("row group has no chunk for " + String.join(".", column.getPath()));
        }

        private static boolean qualifies(ColumnChunkMetaData chunk, ColumnDescriptor column) {
            return column.getMaxDefinitionLevel() == 0 && column.getMaxRepetitionLevel() == 0
                    && chunk.getCodec() == org.apache.parquet.hadoop.metadata.CompressionCodecName.UNCOMPRESSED
                    && !chunk.hasDictionaryPage()
                    && chunk.getEncodings().stream().allMatch(e -> e == org.apache.parquet.column.Encoding.PLAIN
                            || e == org.apache.parquet.column.Encoding.RLE || e == org.apache.parquet.column.Encoding.BIT_PACKED);
        }

        private static ByteBuffer chunkBytes(String file, ColumnChunkMetaData chunk) throws IOException {
            long start = chunk.getStartingPos();
            long size = chunk.getTotalSize();
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException("column chunk of " + size + " bytes; row groups must stay under 2 GB");
            }
            if (LocalPaths.isLocal(file)) {
                return MappedFile.map(java.nio.file.Path.of(LocalPaths.stripFileScheme(file)), start, size);
            }
            byte[] bytes = new byte[(int) size];
            try (FSDataInputStream in = Fs.fs(Fs.path(file)).open(Fs.path(file))) {
                in.readFully(start, bytes);
            }
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        private static void release(ByteBuffer b) {
            if (b instanceof MappedByteBuffer m) {
                MappedFile.unmapper(m).run();
            }
        }

        /** Called per data page: the values start at {@code pos}; returns the position after them. */
        interface PageValues {
            int read(ByteBuffer page, int pos, int values, int firstRow);
        }

        /** Walks the pages of a chunk; false if a page is not a PLAIN uncompressed one. */
        private static boolean walk(ByteBuffer chunk, int rows, PageValues values) throws IOException {
            int pos = 0;
            int row = 0;
            while (row < rows) {
                if (pos >= chunk.capacity()) {
                    throw new IOException("column chunk ends after " + row + " of " + rows + " rows");
                }
                org.apache.parquet.bytes.ByteBufferInputStream in = org.apache.parquet.bytes.ByteBufferInputStream.wrap(
                        chunk.duplicate().position(pos));
                org.apache.parquet.format.PageHeader header = org.apache.parquet.format.Util.readPageHeader(in);
                int body = pos + (int) in.position();
                int next = body + header.getCompressed_page_size();
                int n;
                int levels = 0;
                switch (header.getType()) {
                    case DATA_PAGE -> {
                        if (header.getData_page_header().getEncoding() != org.apache.parquet.format.Encoding.PLAIN) {
                            return false;
                        }
                        n = header.getData_page_header().getNum_values();
                    }
                    case DATA_PAGE_V2 -> {
                        org.apache.parquet.format.DataPageHeaderV2 v2 = header.getData_page_header_v2();
                        if (v2.getEncoding() != org.apache.parquet.format.Encoding.PLAIN
                                || (v2.isSetIs_compressed() && v2.isIs_compressed()
                                && header.getCompressed_page_size() != header.getUncompressed_page_size())) {
                            return false;
                        }
                        n = v2.getNum_values();
                        levels = v2.getRepetition_levels_byte_length() + v2.getDefinition_levels_byte_length();
                    }
                    case DICTIONARY_PAGE -> {
                        return false;
                    }
                    default -> {
                        pos = next; // index pages carry no values
                        continue;
                    }
                }
                if (n > rows - row) {
                    throw new IOException("pages hold more values than the row group's " + rows + " rows");
                }
                int end = values.read(chunk, body + levels, n, row);
                if (end != next) {
                    throw new IOException("a data page's values end at byte " + end + " of the chunk, its header says " + next);
                }
                row += n;
                pos = next;
            }
            return true;
        }
    }
}
