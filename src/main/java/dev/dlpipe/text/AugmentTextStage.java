package dev.dlpipe.text;

import dev.dlpipe.augment.Augmentation;
import dev.dlpipe.augment.RowCopies;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Adds {@code augment.copies} token-deleted / token-swapped copies of each training text; originals are kept. */
public final class AugmentTextStage implements Stage {

    @Override
    public String name() {
        return "augment";
    }


    @Override
    public StageResult run(StageContext ctx) {
        Config c = ctx.config();
        Dataset<Row> data = Augmentation.input(ctx);
        int copies = c.integer("augment.copies");
        Fs.copy(Fs.child(ctx.input(0), "labels.json"), ctx.out("labels.json"));
        return Augmentation.run(ctx, data, new Copies(copies, c.number("augment.text.delete-probability"),
                        c.integer("augment.text.swaps"), c.integer("run.seed")),
                Augmentation.training(data).count() * copies, Map.of("copies_per_train_row", copies));
    }

    static final class Copies implements FlatMapFunction<Row, Row> {
        private final int copies;
        private final double deleteProbability;
        private final int swaps;
        private final long seed;

        Copies(int copies, double deleteProbability, int swaps, long seed) {
            this.copies = copies;
            this.deleteProbability = deleteProbability;
            this.swaps = swaps;
            this.seed = seed;
        }

        @Override
        public Iterator<Row> call(Row row) {
            String id = row.getString(row.fieldIndex("id"));
            String text = row.getString(row.fieldIndex("text"));
            List<Row> out = new ArrayList<>(copies);
            for (int k = 0; k < copies; k++) {
                String aug = TextAugmenter.augment(text, deleteProbability, swaps,
                        new SplittableRandom(RowCopies.seed(seed, id, k)));
                out.add(Augmentation.with(row, Map.of("id", RowCopies.copyId(id, k), "text", aug)));
            }
            return out.iterator();
        }
    }
}
