package dev.dlpipe.augment;

import static org.apache.spark.sql.functions.col;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.image.ImageAugmenter;
import dev.dlpipe.image.TensorSpec;
import dev.dlpipe.sampledata.Seeds;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;

/**
 * Adds {@code augment.copies} augmented copies of every training row to the cleaned image data; validation and
 * test rows pass through untouched. Copy {@code k} of row {@code id} is drawn from a stream seeded by
 * (run.seed, id, k) only, so the output is identical across reruns, retries and partitionings.
 */
public final class AugmentImagesStage implements Stage {

    public static final String COPY_MARK = "~aug";

    @Override
    public String name() {
        return "augment";
    }

    @Override
    public List<String> configSections() {
        return List.of("augment");
    }

    public static ImageAugmenter.Settings settings(Config c, TensorSpec spec) {
        return new ImageAugmenter.Settings(c.number("augment.image.flip-horizontal"),
                c.number("augment.image.flip-vertical"), c.number("augment.image.brightness"),
                c.number("augment.image.contrast"), c.integer("augment.image.crop-padding"),
                c.number("augment.image.rotation-degrees"), c.number("augment.image.noise-std"),
                c.integer("augment.image.cutout-size"), spec.maxValue());
    }

    @Override
    public StageResult run(StageContext ctx) {
        Config config = ctx.config();
        TensorSpec spec = TensorSpec.readFrom(ctx.input(0));
        Dataset<Row> data = ctx.spark().read().parquet(dev.dlpipe.core.Fs.child(ctx.input(0), "data"));
        int copies = config.integer("augment.copies");
        long seed = config.integer("run.seed");

        Dataset<Row> augmented = data.filter(col("split").equalTo(Splits.TRAIN))
                .flatMap(new Copies(settings(config, spec), spec, copies, seed), Encoders.row(data.schema()));
        data.unionByName(augmented).write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("data"));
        spec.writeTo(ctx.output());

        Dataset<Row> written = ctx.spark().read().parquet(ctx.out("data"));
        long in = data.count();
        long out = written.count();
        long generated = out - in;
        long train = data.filter(col("split").equalTo(Splits.TRAIN)).count();
        if (generated != train * copies) {
            throw new IllegalStateException("augment wrote " + generated + " copies, expected " + train * copies);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("train_rows", train);
        metrics.put("copies_per_train_row", copies);
        metrics.put("augmented_rows", generated);
        return StageResult.of(Counts.rowsWithGenerated(in, generated, out, Map.of()), metrics);
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
                SplittableRandom rnd = new SplittableRandom(copySeed(seed, id, k));
                float[] aug = ImageAugmenter.augment(features, spec.channels(), spec.height(), spec.width(), settings, rnd);
                Object[] values = new Object[row.length()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = row.get(i);
                }
                values[row.fieldIndex("id")] = id + COPY_MARK + k;
                values[row.fieldIndex("features")] = aug;
                out.add(RowFactory.create(values));
            }
            return out.iterator();
        }
    }

    /** The random stream of copy {@code k} of row {@code id}: a function of (seed, id, k) only. */
    public static long copySeed(long seed, String id, int k) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the UTF-8 key: stable across JVMs, unlike identity hashes
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xFF)) * 0x100000001b3L;
        }
        return Seeds.mix(Seeds.mix(seed, h), k);
    }

    private static float[] floats(List<Object> list) {
        float[] out = new float[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).floatValue();
        }
        return out;
    }
}
