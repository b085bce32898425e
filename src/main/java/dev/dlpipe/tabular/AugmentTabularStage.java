package dev.dlpipe.tabular;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.dlpipe.augment.Augmentation;
import dev.dlpipe.augment.RowCopies;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Tabular augmentation: copies of training rows with Gaussian noise on the numeric features (the scaled columns
 * and the matching entries of {@code features}, PCA coordinates recomputed), and optionally minority-class
 * oversampling: every class gets extra noisy copies until it has exactly as many training rows as the largest one.
 */
public final class AugmentTabularStage implements Stage {

    @Override
    public String name() {
        return "augment";
    }


    @Override
    public StageResult run(StageContext ctx) {
        Config c = ctx.config();
        TabularStats stats = TabularStats.readFrom(ctx.input(0));
        dev.dlpipe.core.CarriedFiles.carry(ctx.input(0), ctx.output()); // stats.json and the label names
        Dataset<Row> data = Augmentation.input(ctx);
        int copies = c.integer("augment.copies");
        boolean oversample = c.bool("augment.tabular.oversample");
        Map<Integer, Long> classCounts = new TreeMap<>();
        for (Row r : Augmentation.training(data).groupBy("label").count().collectAsList()) {
            classCounts.put(r.getInt(0), r.getLong(1));
        }
        long largest = classCounts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        Map<Integer, long[]> plan = new TreeMap<>();
        Map<Integer, Long> after = new TreeMap<>();
        long expected = 0;
        for (Map.Entry<Integer, Long> e : classCounts.entrySet()) {
            long n = e.getValue();
            // every class ends with as many rows as the largest one has after its own copies: (largest - n) more
            // originals' worth, spread as evenly as whole copies allow (the first `remainder` rows get one more)
            long extra = oversample ? (largest - n) * (1L + copies) : 0;
            plan.put(e.getKey(), new long[] {copies + extra / n, extra % n});
            expected += n * copies + extra;
            after.put(e.getKey(), n * (1L + copies) + extra);
        }
        if (oversample) { // which rows get the remainder copy: a seeded order within each class, stable across runs
            data = data.withColumn(RANK, when(col("split").equalTo(Splits.TRAIN), row_number().over(Window
                    .partitionBy(col("split"), col("label")).orderBy(xxhash64(col("id"), lit(c.integer("run.seed"))),
                            col("id"))).minus(1)).cast("long"));
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("train_rows_per_class", classCounts);
        metrics.put("train_rows_per_class_after", after);
        metrics.put("oversampled", oversample);
        return Augmentation.run(ctx, data, new Copies(stats, plan, c.number("augment.tabular.noise-std"),
                c.integer("run.seed")), expected, metrics);
    }

    /** A helper column (dropped before writing): a training row's rank within its class in a seeded order. */
    public static final String RANK = Augmentation.HELPER_PREFIX + "rank";

    static final class Copies implements FlatMapFunction<Row, Row> {
        private final TabularStats stats;
        /** per class: {copies of every row, how many rows (by rank) get one more} */
        private final Map<Integer, long[]> plan;
        private final double noiseStd;
        private final long seed;

        Copies(TabularStats stats, Map<Integer, long[]> plan, double noiseStd, long seed) {
            this.stats = stats;
            this.plan = plan;
            this.noiseStd = noiseStd;
            this.seed = seed;
        }

        @Override
        public Iterator<Row> call(Row row) {
            String id = row.getString(row.fieldIndex("id"));
            long[] perClass = plan.getOrDefault(row.getInt(row.fieldIndex("label")), new long[] {0, 0});
            // a remainder (perClass[1] > 0) exists only when oversampling, which is when the rank column is there
            int copies = (int) (perClass[0] + (perClass[1] > 0 && row.getLong(row.fieldIndex(RANK)) < perClass[1] ? 1 : 0));
            List<Double> features = row.getList(row.fieldIndex("features"));
            List<String> numeric = new ArrayList<>(stats.numeric().keySet());
            List<Row> out = new ArrayList<>(copies);
            for (int k = 0; k < copies; k++) {
                SplittableRandom rnd = new SplittableRandom(RowCopies.seed(seed, id, k));
                double[] f = new double[features.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = features.get(i);
                }
                Map<String, Object> replace = new LinkedHashMap<>();
                for (int i = 0; i < numeric.size(); i++) {
                    f[i] += dev.dlpipe.sampledata.Seeds.gaussian(rnd) * noiseStd;
                    replace.put(numeric.get(i), f[i]);
                }
                replace.put("id", RowCopies.copyId(id, k));
                replace.put("features", f);
                if (stats.pca() != null) {
                    double[] p = new double[stats.pca().components().size()];
                    for (int j = 0; j < p.length; j++) {
                        List<Double> axis = stats.pca().components().get(j);
                        for (int i = 0; i < f.length; i++) {
                            p[j] += f[i] * axis.get(i);
                        }
                    }
                    replace.put("pca", p);
                }
                out.add(Augmentation.with(row, replace));
            }
            return out.iterator();
        }
    }
}
