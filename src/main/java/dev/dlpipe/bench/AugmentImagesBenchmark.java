package dev.dlpipe.bench;

import dev.dlpipe.image.AugmentImagesStage;
import dev.dlpipe.augment.RowCopies;
import dev.dlpipe.image.CleanImagesStage;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.image.ImageAugmenter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.sampledata.ImageSetWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.sql.SparkSession;

/** Image augmentation throughput: the augment stage on Spark, and the pure augmenter on one thread. */
public final class AugmentImagesBenchmark {

    private AugmentImagesBenchmark() {
    }

    public static Map<String, Object> run(SparkSession spark, Config config, String work, long rows) {
        String input = Fs.child(work, "images-" + rows + ".parquet");
        if (!Fs.exists(input)) {
            ImageSetWriter.write(input, rows, 20261122);
        }
        String clean = Fs.child(work, "images-clean-" + rows);
        if (!Fs.exists(clean)) {
            StageRunner.run(new CleanImagesStage(), spark, config, List.of(input), clean);
        }
        long t0 = System.nanoTime();
        StageReport r = StageRunner.run(new AugmentImagesStage(), spark, config, List.of(clean), Fs.child(work, "images-aug"));
        double stageSeconds = (System.nanoTime() - t0) / 1e9;

        TensorSpec spec = TensorSpec.readFrom(clean);
        ImageAugmenter.Settings settings = AugmentImagesStage.settings(config, spec);
        float[] image = new float[spec.featureSize()];
        SplittableRandom fill = new SplittableRandom(1);
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) fill.nextDouble();
        }
        int n = 20_000;
        for (int i = 0; i < 2_000; i++) { // warm-up
            ImageAugmenter.augment(image, spec.channels(), spec.height(), spec.width(), settings, new SplittableRandom(i));
        }
        long p0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ImageAugmenter.augment(image, spec.channels(), spec.height(), spec.width(), settings,
                    new SplittableRandom(RowCopies.seed(7, "img", i)));
        }
        double pureSeconds = (System.nanoTime() - p0) / 1e9;

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("source_rows", rows);
        result.put("augmented_images", r.counts().generated());
        result.put("image_shape", spec.channels() + "x" + spec.height() + "x" + spec.width());
        result.put("stage_seconds", Math.round(stageSeconds * 10) / 10.0);
        result.put("stage_images_per_second", Math.round(r.counts().generated() / stageSeconds));
        result.put("pure_single_thread_images_per_second", Math.round(n / pureSeconds));
        System.out.printf(Locale.ROOT, "augment stage: %,d images in %.1f s%n", r.counts().generated(), stageSeconds);
        return result;
    }
}
