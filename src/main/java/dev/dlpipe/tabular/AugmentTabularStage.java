package dev.dlpipe.tabular;

import dev.dlpipe.augment.Augmentation;
import dev.dlpipe.augment.RowCopies;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Tabular augmentation: copies of training rows with Gaussian noise on the numeric features (the scaled columns
 * and the matching entries of {@code features}, PCA coordinates recomputed), and optionally minority-class
 * oversampling: a class with n rows gets {@code round(largest / n) - 1} extra copies per row.
 */
public final class AugmentTabularStage implements Stage {

    @Override
    public String name() {
        return "augment";
    }

    @Override
    public List<String> configSections() {
        return List.of("augment");
    }

    @Override
    public StageResult run(StageContext ctx) {
        Config c = ctx.config();
        TabularStats stats = TabularStats.readFrom(ctx.input(0));
        stats.writeTo(ctx.output());
        Dataset<Row> data = Augmentation.input(ctx);
        int copies = c.integer("augment.copies");
        Map<Integer, Long> classCounts = new HashMap<>();
        for (Row r : Augmentation.training(data).groupBy("label").count().collectAsList()) {
            classCounts.put(r.getInt(0), r.getLong(1));
        }
        long largest = classCounts.values().stream().mapToLong(Long::longValue).max().orElse(0);
        Map<Integer, Integer> copiesPerClass = new HashMap<>();
        long expected = 0;
        for (Map.Entry<Integer, Long> e : classCounts.entrySet()) {
            int extra = c.bool("augment.tabular.oversample") ? (int) Math.max(0, Math.round((double) largest / e.getValue()) - 1) : 0;
            copiesPerClass.put(e.getKey(), copies + extra);
            expected += e.getValue() * (copies + extra);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("copies_per_class", new java.util.TreeMap<>(copiesPerClass));
        metrics.put("train_rows_per_class", new java.util.TreeMap<>(classCounts));
        return Augmentation.run(ctx, data, new Copies(stats, copiesPerClass, c.number("augment.tabular.noise-std"),
                c.integer("run.seed")), expected, metrics);
    }

    static final class Copies implements FlatMapFunction<Row, Row> {
        private final TabularStats stats;
        private final Map<Integer, Integer> copiesPerClass;
        private final double noiseStd;
        private final long seed;

        Copies(TabularStats stats, Map<Integer, Integer> copiesPerClass, double noiseStd, long seed) {
            this.stats = stats;
            this.copiesPerClass = copiesPerClass;
            this.noiseStd = noiseStd;
            this.seed = seed;
        }

        @Override
        public Iterator<Row> call(Row row) {
            String id = row.getString(row.fieldIndex("id"));
            int copies = copiesPerClass.getOrDefault(row.getInt(row.fieldIndex("label")), 0);
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
