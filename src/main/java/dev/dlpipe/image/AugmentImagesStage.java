package dev.dlpipe.image;

import dev.dlpipe.augment.RowCopies;
import dev.dlpipe.augment.Augmentation;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Adds {@code augment.copies} augmented copies of every training row to the cleaned image data; validation and
 * test rows pass through untouched. Copy {@code k} of row {@code id} is drawn from a stream seeded by
 * (run.seed, id, k) only, so the output is identical across reruns, retries and partitionings.
 */
public final class AugmentImagesStage implements Stage {

    @Override
    public String name() {
        return "augment";
    }


    public static ImageAugmenter.Settings settings(Config c, TensorSpec spec) {
        return new ImageAugmenter.Settings(c.number("augment.image.flip-horizontal"),
                c.number("augment.image.flip-vertical"), c.number("augment.image.brightness"),
                c.number("augment.image.contrast"), c.integer("augment.image.crop-padding"),
                c.number("augment.image.rotation-degrees"), c.number("augment.image.noise-std"),
                c.integer("augment.image.cutout-size"),
                new ImageAugmenter.Probabilities(c.number("augment.image.brightness-probability"),
                        c.number("augment.image.contrast-probability"), c.number("augment.image.crop-probability"),
                        c.number("augment.image.rotation-probability"), c.number("augment.image.noise-probability"),
                        c.number("augment.image.cutout-probability")),
                spec.maxValue());
    }

    @Override
    public StageResult run(StageContext ctx) {
        Config config = ctx.config();
        TensorSpec spec = TensorSpec.readFrom(ctx.input(0));
        Dataset<Row> data = Augmentation.input(ctx);
        int copies = config.integer("augment.copies");
        spec.writeTo(ctx.output());
        dev.dlpipe.core.CarriedFiles.carry(ctx.input(0), ctx.output());
        return Augmentation.run(ctx, data, new Copies(settings(config, spec), spec, copies, config.integer("run.seed")),
                Augmentation.training(data).count() * copies, Map.of("copies_per_train_row", copies));
    }

    /** Emits the augmented copies of one training row (the original is kept by the union). */
    static final class Copies implements FlatMapFunction<Row, Row> {
        private final ImageAugmenter.Settings settings;
        private final TensorSpec spec;
        private final int copies;
        private final long seed;

        Copies(ImageAugmenter.Settings settings, TensorSpec spec, int copies, long seed) {
            this.settings = settings;
            this.spec = spec;
            this.copies = copies;
            this.seed = seed;
        }

        @Override
        public Iterator<Row> call(Row row) {
            String id = row.getString(row.fieldIndex("id"));
            float[] features = floats(row.getList(row.fieldIndex("features")));
            List<Row> out = new ArrayList<>(copies);
            for (int k = 0; k < copies; k++) {
                SplittableRandom rnd = new SplittableRandom(RowCopies.seed(seed, id, k));
                float[] aug = ImageAugmenter.augment(features, spec.channels(), spec.height(), spec.width(), settings, rnd);
                out.add(Augmentation.with(row, Map.of("id", RowCopies.copyId(id, k), "features", aug)));
            }
            return out.iterator();
        }
    }

    private static float[] floats(List<Object> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }
}
