package dev.dlpipe.pack;

import dev.dlpipe.tensor.TensorShardFormat;
import dev.dlpipe.core.Fs;
import dev.dlpipe.tensor.TensorSpec;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/** Writes one tensor shard file (see {@link TensorShardFormat}) row by row, reusing one feature buffer. */
public final class TensorShardWriter implements Closeable {

    /** One example as handed to the writer; {@code features} is reused by the caller between rows. */
    static final class Example {
        String id;
        int label;
        ByteBuffer features;
    }

    private final ParquetWriter<Example> writer;
    private final Example example = new Example();
    private final ByteBuffer buffer;
    private long rows;

    public TensorShardWriter(String file, TensorSpec spec, String split, long rowGroupBytes) throws IOException {
        Path path = Fs.path(file);
        Fs.fs(path);
        Configuration conf = Fs.conf();
        this.buffer = ByteBuffer.allocate(spec.featureSize() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        this.writer = new Builder(HadoopOutputFile.fromPath(path, conf), TensorShardFormat.footer(spec, split))
                .withConf(conf)
                .withRowGroupSize(rowGroupBytes)
                // several pages per row group even when row groups are small, so readers see page boundaries
                .withPageSize((int) Math.max(4096, Math.min(1 << 20, rowGroupBytes / 8)))
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED) // float noise barely compresses; reads stay cheap
                .withDictionaryEncoding(false)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
    }

    public void write(String id, int label, float[] features) throws IOException {
        buffer.clear();
        buffer.asFloatBuffer().put(features);
        buffer.position(0).limit(features.length * Float.BYTES);
        example.id = id;
        example.label = label;
        example.features = buffer;
        writer.write(example);
        rows++;
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    private static final class Builder extends ParquetWriter.Builder<Example, Builder> {
        private final Map<String, String> footer;

        Builder(org.apache.parquet.io.OutputFile file, Map<String, String> footer) {
            super(file);
            this.footer = footer;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Example> getWriteSupport(Configuration conf) {
            return new ExampleWriteSupport(footer);
        }
    }

    private static final class ExampleWriteSupport extends WriteSupport<Example> {
        private final Map<String, String> footer;
        private RecordConsumer consumer;

        ExampleWriteSupport(Map<String, String> footer) {
            this.footer = footer;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(TensorShardFormat.SCHEMA, footer);
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.consumer = recordConsumer;
        }

        @Override
        public void write(Example e) {
            consumer.startMessage();
            consumer.startField("id", 0);
            consumer.addBinary(Binary.fromString(e.id));
            consumer.endField("id", 0);
            consumer.startField("label", 1);
            consumer.addInteger(e.label);
            consumer.endField("label", 1);
            consumer.startField("features", 2);
            // copy: Parquet may keep the value until the page is flushed, and the buffer is reused
            consumer.addBinary(Binary.fromConstantByteBuffer(e.features).copy());
            consumer.endField("features", 2);
            consumer.endMessage();
        }
    }
}
