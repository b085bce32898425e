package dev.dlpipe.pipeline;

import dev.dlpipe.UserError;
import dev.dlpipe.image.AugmentImagesStage;
import dev.dlpipe.image.CleanImagesStage;
import dev.dlpipe.compress.CompressStage;
import dev.dlpipe.core.Stage;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.pack.PackStage;
import dev.dlpipe.score.ScoreStage;
import dev.dlpipe.tabular.AugmentTabularStage;
import dev.dlpipe.tabular.CleanTabularStage;
import dev.dlpipe.text.AugmentTextStage;
import dev.dlpipe.text.CleanTextStage;
import dev.dlpipe.train.TrainStage;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Every stage, in pipeline order, described once: its command-line help, the upstream outputs it reads and the
 * implementation for each data kind it handles. The CLI, the pipeline plan and the runner all read this; adding a
 * stage is one constant here plus its class (and its name in the config schema's stage list, which a test checks).
 */
public enum PipelineStage {
    CLEAN("decode and normalize images, clean text or tables; quarantine bad rows; assign splits. --input RAW",
            List.of(), kinds(CleanImagesStage::new, CleanTextStage::new, CleanTabularStage::new)),
    AUGMENT("add augmented copies of training rows. --input CLEAN_DIR",
            List.of(List.of("clean")), kinds(AugmentImagesStage::new, AugmentTextStage::new, AugmentTabularStage::new)),
    PACK("write Parquet tensor shards per split (text: token ids and a vocabulary). --input AUGMENT_OR_CLEAN_DIR",
            List.of(List.of("augment", "clean")), kinds(PackStage::new, PackStage::new, PackStage::new)),
    TRAIN("distributed DL4J training (parameter averaging). --input PACK_DIR",
            List.of(List.of("pack")), tensors(TrainStage::new)),
    ENSEMBLE("bagged networks, MLlib members, averaging and stacking, compared on the test split; writes the chosen "
            + "combination as an export directory. --input PACK_DIR",
            List.of(List.of("pack")), tensors(dev.dlpipe.ensemble.EnsembleStage::new)),
    COMPRESS("pruning + int8 quantization, evaluated. --input TRAIN_DIR --input PACK_DIR",
            List.of(List.of("train"), List.of("pack")), tensors(CompressStage::new)),
    EXPORT("publish model.zip + ONNX + int8 + manifests. --input COMPRESS_OR_TRAIN_DIR",
            List.of(List.of("compress", "train")), tensors(ExportStage::new)),
    SCORE("batch predictions on the test split. --input EXPORT_DIR (export or ensemble output) --input PACK_DIR",
            List.of(List.of("export", "ensemble"), List.of("pack")), tensors(ScoreStage::new));

    private final String help;
    private final List<List<String>> upstream;
    private final Map<String, Supplier<Stage>> byDataKind;

    PipelineStage(String help, List<List<String>> upstream, Map<String, Supplier<Stage>> byDataKind) {
        this.help = help;
        this.upstream = upstream;
        this.byDataKind = byDataKind;
    }

    private static Map<String, Supplier<Stage>> kinds(Supplier<Stage> image, Supplier<Stage> text,
                                                      Supplier<Stage> tabular) {
        Map<String, Supplier<Stage>> m = new LinkedHashMap<>();
        m.put("image", image);
        m.put("text", text);
        m.put("tabular", tabular);
        return m;
    }

    /** Kind-agnostic stages over tensor shards: packed images, text or tables, or a tensor dataset read as it is. */
    private static Map<String, Supplier<Stage>> tensors(Supplier<Stage> stage) {
        Map<String, Supplier<Stage>> m = kinds(stage, stage, stage);
        m.put("tensor", stage);
        return m;
    }

    /**
     * Where the tensor shards come from for a data kind: pack's output, or for a tensor dataset the input itself
     * (its train/ validation/ test/ directories are read as they are).
     */
    public static boolean inputIsTensors(String dataKind) {
        return "tensor".equals(dataKind);
    }

    /** The name on the command line, in pipeline files and in run directories. */
    public String stageName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String help() {
        return help;
    }

    /** The upstream outputs it reads, in argument order; each entry lists alternatives, the first preferred. */
    public List<List<String>> upstream() {
        return upstream;
    }

    /** The data kinds ({@code pipeline.data-kind}) it has an implementation for. */
    public List<String> dataKinds() {
        return List.copyOf(byDataKind.keySet());
    }

    /** The implementation for a data kind; a kind it does not handle yet is an error naming the key. */
    public Stage create(String dataKind) {
        if (DataKinds.AUTO.equals(dataKind) && byDataKind.containsKey("tensor")) {
            return byDataKind.get("tensor").get(); // a stage over tensor shards is the same for every kind
        }
        if (DataKinds.AUTO.equals(dataKind)) {
            throw new UserError("the " + stageName() + " stage needs pipeline.data-kind (image, text or tabular);"
                    + " it is auto and was not inferred from the input");
        }
        Supplier<Stage> s = byDataKind.get(dataKind);
        if (s == null) {
            throw new UserError("the " + stageName() + " stage handles " + String.join(" and ", dataKinds())
                    + " data only so far; pipeline.data-kind is " + dataKind
                    + ("tensor".equals(dataKind) ? " (a tensor dataset starts at train: it is packed already)" : ""));
        }
        return s.get();
    }

    public static PipelineStage of(String name) {
        for (PipelineStage s : values()) {
            if (s.stageName().equals(name)) {
                return s;
            }
        }
        throw new UserError("no stage named '" + name + "'; stages are " + names());
    }

    /** Stage names in pipeline order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(PipelineStage::stageName).toList();
    }
}
