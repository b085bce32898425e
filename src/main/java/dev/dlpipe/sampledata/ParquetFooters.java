package dev.dlpipe.sampledata;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;

/**
 * Makes a Parquet file's bytes a function of its content: parquet-mr lists each column chunk's encodings from a
 * HashSet of enums, whose order follows identity hash codes and so changes from one JVM run to the next. Sorting
 * those lists (same length, so the footer is rewritten in place) lets the generator promise same seed, same bytes.
 */
final class ParquetFooters {

    private ParquetFooters() {
    }

    static void canonicalize(String localFile) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(localFile, "rw")) {
            long length = file.length();
            byte[] tail = new byte[8];
            file.seek(length - 8);
            file.readFully(tail);
            if (!"PAR1".equals(new String(tail, 4, 4, StandardCharsets.US_ASCII))) {
                throw new IOException(localFile + ": not a Parquet file");
            }
            int footerLength = ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            long footerStart = length - 8 - footerLength;
            byte[] footer = new byte[footerLength];
            file.seek(footerStart);
            file.readFully(footer);
            FileMetaData meta = Util.readFileMetaData(new ByteArrayInputStream(footer));
            for (RowGroup group : meta.getRow_groups()) {
                for (ColumnChunk chunk : group.getColumns()) {
                    chunk.getMeta_data().getEncodings().sort(Comparator.comparingInt(e -> e.getValue()));
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(footerLength);
            Util.writeFileMetaData(meta, out);
            if (out.size() != footerLength) {
                throw new IOException(localFile + ": canonical footer changed length");
            }
            file.seek(footerStart);
            file.write(out.toByteArray());
        }
    }
}
