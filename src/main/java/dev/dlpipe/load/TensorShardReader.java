package dev.dlpipe.load;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.UserError;
import dev.dlpipe.image.TensorSpec;
import dev.dlpipe.pack.TensorShardFormat;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.DummyRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * Reads a tensor shard a row group at a time, column by column, into flat float / int arrays: no row objects,
 * one bulk copy per example. Files not written by us are fine as long as they have the three columns and the
 * shape keys in the footer. A corrupt or truncated file is reported with its name.
 */
public final class TensorShardReader implements Closeable {

    private final String file;
    private final ParquetFileReader reader;
    private final MessageType schema;
    private final TensorSpec spec;
    private final ColumnDescriptor labelColumn;
    private final ColumnDescriptor featureColumn;

    public TensorShardReader(String file) {
        this.file = file;
        try {
            Path path = Fs.path(file);
            this.reader = ParquetFileReader.open(HadoopInputFile.fromPath(path, Fs.conf()));
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": cannot open as a Parquet tensor shard (corrupt or truncated?): "
                    + e.getMessage(), e);
        }
        ParquetMetadata footer = reader.getFooter();
        this.schema = footer.getFileMetaData().getSchema();
        this.spec = TensorShardFormat.spec(footer.getFileMetaData().getKeyValueMetaData(), file);
        this.labelColumn = column("label");
        this.featureColumn = column("features");
    }

    private ColumnDescriptor column(String name) {
        if (!schema.containsField(name)) {
            throw new UserError(file + ": tensor shard has no column '" + name + "'");
        }
        return schema.getColumnDescription(new String[] {name});
    }

    public TensorSpec spec() {
        return spec;
    }

    public List<BlockMetaData> rowGroups() {
        return reader.getFooter().getBlocks();
    }

    public long rows() {
        return reader.getRecordCount();
    }

    /** Decodes row group {@code index} into one block. */
    public TensorBlock read(int index) {
        int featureSize = spec.featureSize();
        try {
            PageReadStore pages = reader.readRowGroup(index);
            if (pages == null) {
                throw new UserError(file + ": row group " + index + " does not exist");
            }
            int rows = Math.toIntExact(pages.getRowCount());
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(pages,
                    new DummyRecordConverter(schema).getRootConverter(), schema,
                    reader.getFooter().getFileMetaData().getCreatedBy());
            int[] labels = new int[rows];
            ColumnReader labelReader = store.getColumnReader(labelColumn);
            for (int i = 0; i < rows; i++) {
                labels[i] = labelReader.getInteger();
                labelReader.consume();
            }
            float[] features = new float[rows * featureSize];
            ColumnReader featureReader = store.getColumnReader(featureColumn);
            int expectedBytes = featureSize * Float.BYTES;
            for (int i = 0; i < rows; i++) {
                Binary b = featureReader.getBinary();
                if (b.length() != expectedBytes) {
                    throw new UserError(file + ": row " + i + " of row group " + index + " has " + b.length()
                            + " feature bytes, expected " + expectedBytes + " for shape " + spec.channels() + "x"
                            + spec.height() + "x" + spec.width());
                }
                ByteBuffer bb = b.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                bb.asFloatBuffer().get(features, i * featureSize, featureSize);
                featureReader.consume();
            }
            return new TensorBlock(rows, featureSize, features, labels);
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserError ue) {
                throw ue;
            }
            throw new UserError(file + ": cannot read row group " + index + " (corrupt or truncated?): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
