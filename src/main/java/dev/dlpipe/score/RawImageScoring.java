package dev.dlpipe.score;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.image.CleanImagesStage;
import dev.dlpipe.core.Fs;
import dev.dlpipe.image.ImageDecodeException;
import dev.dlpipe.image.ImageFolders;
import dev.dlpipe.tensor.TensorSpec;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Scores raw images (a class-folder tree, or an image table with id, format, data...) with exactly the chain clean
 * applied before training, as the export's tensor.json records it: decode, channels, resize, scale. An image that
 * cannot be decoded is not scored: it comes back with a quarantine reason. Labels are optional; a folder or label
 * name is matched against the export's class names.
 */
final class RawImageScoring {

    private RawImageScoring() {
    }

    /** Raw images, not tensor shards: a folder tree of image files, or a table with encoded image bytes. */
    static boolean isRawImages(String data) {
        if (ImageFolders.isFolderTree(data)) {
            return true;
        }
        String first = Fs.firstDataFile(data);
        if (first == null || !first.endsWith(".parquet") || Fs.exists(Fs.child(data, "test"))) {
            return false;
        }
        List<String> columns = dev.dlpipe.load.TensorShardReader.columns(first);
        return columns.contains("data") && columns.contains("format");
    }

    /** Rows of {@link BatchPredictor#SCORED}: predictions where the reason is null, quarantined images otherwise. */
    static Dataset<Row> score(SparkSession spark, String exportDir, String data, Broadcast<ScoringModel.Payload> model, int batch) {
        TensorSpec spec = TensorSpec.readFrom(exportDir);
        boolean folders = ImageFolders.isFolderTree(data);
        Dataset<Row> raw = folders ? ImageFolders.read(spark, data) : spark.read().parquet(data);
        List<String> columns = Arrays.asList(raw.columns());
        Dataset<Row> rows = raw.select(col("id").cast("string"),
                columns.contains("label") ? col("label").cast("string") : lit(null).cast("string"),
                col("format").cast("string"), col("data").cast("binary"),
                columns.contains("height") ? col("height").cast("int") : lit(null).cast("int"),
                columns.contains("width") ? col("width").cast("int") : lit(null).cast("int"),
                columns.contains("channels") ? col("channels").cast("int") : lit(null).cast("int"));
        List<String> classNames = BatchPredictor.classNames(exportDir);
        return rows.mapPartitions(new Predict(model, batch, new CleanImagesStage.Settings(spec.height(), spec.width(),
                spec.channels(), spec.normalize()), classNames), Encoders.row(BatchPredictor.SCORED));
    }

    /** Decodes and scores a partition in batches, one model instance per partition. */
    static final class Predict extends BatchPredictor.PartitionScorer {
        private final CleanImagesStage.Settings settings;

        Predict(Broadcast<ScoringModel.Payload> model, int batch, CleanImagesStage.Settings settings, List<String> classNames) {
            super(model, batch, classNames);
            this.settings = settings;
        }

        @Override
        void score(Row r, BatchPredictor predictor) {
            String label = r.isNullAt(1) ? null : r.getString(1);
            try {
                predictor.add(r.getString(0), label, CleanImagesStage.clean(r.getString(2), (byte[]) r.get(3),
                        r.isNullAt(4) ? 0 : r.getInt(4), r.isNullAt(5) ? 0 : r.getInt(5),
                        r.isNullAt(6) ? 0 : r.getInt(6), settings));
            } catch (ImageDecodeException e) {
                predictor.reject(r.getString(0), label, e.reason(), e.getMessage());
            }
        }
    }
}
