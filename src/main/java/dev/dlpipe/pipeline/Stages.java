package dev.dlpipe.pipeline;

import dev.dlpipe.augment.AugmentImagesStage;
import dev.dlpipe.clean.CleanImagesStage;
import dev.dlpipe.compress.CompressStage;
import dev.dlpipe.core.Stage;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.pack.PackStage;
import dev.dlpipe.score.ScoreStage;
import dev.dlpipe.train.TrainStage;
import java.util.List;

/** The stages in pipeline order, and which earlier outputs each one reads. */
public final class Stages {

    public static final List<String> ORDER = List.of("clean", "augment", "pack", "train", "compress", "export", "score");

    private Stages() {
    }

    /** The stage for a data kind ({@code pipeline.data-kind}); stages after augment handle images only so far. */
    public static Stage create(String name, String dataKind) {
        if (name.equals("clean")) {
            switch (dataKind) {
                case "text": return new dev.dlpipe.text.CleanTextStage();
                case "tabular": return new dev.dlpipe.tabular.CleanTabularStage();
                default: return new CleanImagesStage();
            }
        }
        if (name.equals("augment")) {
            switch (dataKind) {
                case "text": return new dev.dlpipe.text.AugmentTextStage();
                case "tabular": return new dev.dlpipe.tabular.AugmentTabularStage();
                default: return new AugmentImagesStage();
            }
        }
        if (!dataKind.equals("image") && Stages.ORDER.indexOf(name) > Stages.ORDER.indexOf("augment")) {
            throw new dev.dlpipe.UserError("the " + name + " stage handles image data only so far; "
                    + "pipeline.data-kind is " + dataKind + " (text and tabular pipelines end after augment)");
        }
        switch (name) {
            case "pack": return new PackStage();
            case "train": return new TrainStage();
            case "compress": return new CompressStage();
            case "export": return new ExportStage();
            case "score": return new ScoreStage();
            default: throw new IllegalArgumentException("unknown stage " + name);
        }
    }

    /**
     * The upstream stages whose outputs a stage reads, in argument order. Each entry lists alternatives, first
     * preferred: pack reads augment's output, or clean's when there is no augment step.
     */
    public static List<List<String>> upstream(String name) {
        switch (name) {
            case "clean": return List.of();
            case "augment": return List.of(List.of("clean"));
            case "pack": return List.of(List.of("augment", "clean"));
            case "train": return List.of(List.of("pack"));
            case "compress": return List.of(List.of("train"), List.of("pack"));
            case "export": return List.of(List.of("compress", "train"));
            case "score": return List.of(List.of("export"), List.of("pack"));
            default: throw new IllegalArgumentException("unknown stage " + name);
        }
    }
}
