package dev.dlpipe.sampledata;

import dev.dlpipe.core.Fs;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Writes the image classification sample set as one Parquet file of raw image rows: id, label, height, width,
 * channels, format ({@code raw} uint8 pixels or {@code png}), data. About 3% of rows are PNG-encoded and about 1%
 * are deliberately broken (truncated pixels, bytes that are no image) so that cleaning has something to quarantine.
 * Each row is drawn from its own seed, so the file is the same bytes for the same (seed, rows).
 */
public final class ImageSetWriter {

    public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message image { required binary id (STRING); required int32 label; required int32 height;"
                    + " required int32 width; required int32 channels; required binary format (STRING);"
                    + " required binary data; }");

    public static final int SIZE = 28;

    private ImageSetWriter() {
    }

    public static long write(String file, long rows, long seed) {
        Path path = Fs.path(file);
        Fs.fs(path); // makes sure checksum side files are off for this file system
        Configuration conf = Fs.conf();
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(path, conf))
                .withConf(conf).withType(SCHEMA).withCompressionCodec(CompressionCodecName.GZIP)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (long i = 0; i < rows; i++) {
                SplittableRandom rnd = new SplittableRandom(Seeds.mix(seed, i));
                int label = rnd.nextInt(GlyphRenderer.CLASSES);
                byte[] pixels = GlyphRenderer.render(label, SIZE, rnd);
                String format = "raw";
                byte[] data = pixels;
                double kind = rnd.nextDouble();
                if (kind < 0.005) {
                    data = java.util.Arrays.copyOf(pixels, pixels.length / 2); // truncated pixel buffer
                } else if (kind < 0.01) {
                    format = "png";
                    data = "this is not a PNG file".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                } else if (kind < 0.04) {
                    format = "png";
                    data = png(pixels, SIZE);
                }
                writer.write(groups.newGroup()
                        .append("id", String.format("img-%08d", i))
                        .append("label", label)
                        .append("height", SIZE)
                        .append("width", SIZE)
                        .append("channels", 1)
                        .append("format", format)
                        .append("data", Binary.fromConstantByteArray(data)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        if (dev.dlpipe.LocalPaths.isLocal(file)) {
            try {
                ParquetFooters.canonicalize(dev.dlpipe.LocalPaths.stripFileScheme(file));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot canonicalize " + file, e);
            }
        }
        return rows;
    }

    static byte[] png(byte[] gray, int size) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, size, size, gray);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
