package dev.dlpipe.export;

import dev.dlpipe.compress.ActivationCalibration;
import dev.dlpipe.compress.CompressStage;
import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.core.ClassNames;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fingerprint;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.UserError;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.train.TrainStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Publishes a servable model: {@code model.zip} (DL4J; the pruned model when the input is a compress output,
 * else the trained one), the int8 file when there is one, {@code preprocessing.json} (what scoring must do to raw
 * images) and {@code export-manifest.json} (input name/shape/dtype, classes, metrics, provenance).
 */
public final class ExportStage implements Stage {

    public static final String MODEL = "model.zip";
    public static final String ONNX = dev.dlpipe.model.ExportFiles.ONNX;
    public static final String ONNX_INT8 = "model-int8.onnx";
    public static final String PREPROCESSING = "preprocessing.json";
    public static final String MANIFEST = dev.dlpipe.model.ExportFiles.MANIFEST;

    @Override
    public String name() {
        return "export";
    }


    @Override
    public StageResult run(StageContext ctx) throws IOException {
        String in = ctx.input(0);
        // compress's published network: the thinned one when structured pruning ran, else the magnitude-pruned one
        String source = java.util.stream.Stream.of(CompressStage.THINNED, CompressStage.PRUNED, TrainStage.MODEL)
                .map(f -> Fs.child(in, f)).filter(Fs::exists).findFirst().orElseThrow(() -> new UserError(in
                        + ": has none of " + CompressStage.THINNED + ", " + CompressStage.PRUNED + ", "
                        + TrainStage.MODEL + " (expected a train or compress output)"));
        Network net = Models.read(source); // also proves the zip loads
        TensorSpec spec = TensorSpec.readFrom(in);
        List<String> formats = ctx.config().list("export.formats");
        List<Map<String, Object>> files = new ArrayList<>();
        if (formats.contains("dl4j")) {
            Models.write(net, ctx.out(MODEL));
            files.add(file("dl4j", MODEL, ctx.out(MODEL)));
        }
        // calibrated by compress: with them onnx-int8 quantizes activations too, without them only weights
        Map<String, Float> ranges = ActivationCalibration.read(Fs.child(in, ActivationCalibration.FILE));
        for (String format : List.of("onnx", "onnx-int8")) {
            if (formats.contains(format)) {
                String name = format.equals("onnx") ? ONNX : ONNX_INT8;
                boolean q = format.equals("onnx-int8");
                Map<String, String> metadata = OnnxExporter.metadata(spec, q, !ranges.isEmpty());
                byte[] model = OnnxExporter.export(net, spec, q, q ? ranges : Map.of(), metadata, BuildInfo.version());
                try (java.io.OutputStream out = Fs.create(ctx.out(name))) {
                    out.write(model);
                }
                Map<String, Object> f = file(format, name, ctx.out(name));
                if (q) {
                    f.put("int8_activations", !ranges.isEmpty());
                }
                files.add(f);
            }
        }
        String int8 = Fs.child(in, CompressStage.INT8);
        if (Fs.exists(int8)) {
            Fs.copy(int8, ctx.out(CompressStage.INT8));
            files.add(file("dlpipe-int8", CompressStage.INT8, ctx.out(CompressStage.INT8)));
        }

        Map<String, Object> serve = serveSection(in, files);
        publish(ctx, in, spec, files, serve, Fs.relativeTo(Fs.parent(ctx.target()), source), Map.of("kind",
                net.isGraph() ? "ComputationGraph" : "MultiLayerNetwork", "parameters", net.numParams(), "layers",
                net.layerNames().size()));

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("files", files);
        metrics.put("parameters", net.numParams());
        metrics.put("serve_file", serve.get("file"));
        return StageResult.of(Counts.notApplicable(), metrics, String.join(", ", files.stream()
                .map(f -> f.get("file") + " " + f.get("bytes") + " B").toList()));
    }

    /**
     * What every export directory holds beside its model files, for score, serve and clients: preprocessing.json,
     * tensor.json, the files carried from {@code in} (fitted statistics, vocabulary, labels) and export-manifest.json
     * (input and output, classes and their names, preprocessing, each file with its SHA-256, which file to serve, the
     * source and its provenance). Export and ensemble both publish through it.
     */
    public static void publish(StageContext ctx, String in, TensorSpec spec, List<Map<String, Object>> files,
                               Map<String, Object> serve, String source, Map<String, Object> network) {
        Map<String, Object> preprocessing = preprocessing(spec, in);
        Fs.writeString(ctx.out(PREPROCESSING), Json.write(preprocessing));
        spec.writeTo(ctx.output());
        dev.dlpipe.core.CarriedFiles.carry(in, ctx.output());

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("input", spec.tokenIds()
                ? Map.of("name", dev.dlpipe.onnx.OnnxExporter.TOKEN_INPUT, "shape", List.of(-1, spec.featureSize()),
                "dtype", "int64 (ONNX; the DL4J model takes the same ids as float32)")
                : Map.of("name", "features", "shape", List.of(-1, spec.featureSize()), "dtype", "float32",
                "tensor_shape", List.of(spec.channels(), spec.height(), spec.width())));
        manifest.put("output", Map.of("name", "probabilities", "shape", List.of(-1, spec.numClasses()),
                "activation", "softmax"));
        List<Integer> classes = new ArrayList<>();
        for (int c = 0; c < spec.numClasses(); c++) {
            classes.add(c);
        }
        manifest.put("classes", classes);
        manifest.put("class_names", ClassNames.of(ctx.config(), spec.numClasses(), in));
        manifest.put("preprocessing", preprocessing);
        manifest.put("files", files);
        manifest.put("serve", serve);
        manifest.put("source_model", source);
        manifest.put("network", network);
        String sourceManifest = Fs.child(in, StageRunner.MANIFEST);
        if (Fs.exists(sourceManifest)) {
            Map<String, Object> m = Json.readMap(Fs.readString(sourceManifest));
            manifest.put("source_metrics", m.get("metrics"));
            manifest.put("source_provenance", Map.of("stage", m.get("stage"), "inputs", m.get("inputs"),
                    "git_commit", m.get("git_commit")));
            manifest.put("paths_relative_to", "the directory that holds this export directory (the run directory)");
        }
        Fs.writeString(ctx.out(MANIFEST), Json.write(manifest));
    }

    /**
     * The ONNX file to serve and why: compress's measured choice between FP32 and int8 on its machine (the
     * compression report's "serve"), mapped to this directory's file names. Without a compress measurement, or
     * without an int8 file, it is model.onnx.
     */
    static Map<String, Object> serveSection(String in, List<Map<String, Object>> files) {
        boolean hasInt8 = files.stream().anyMatch(f -> "onnx-int8".equals(f.get("format")));
        boolean hasFp32 = files.stream().anyMatch(f -> "onnx".equals(f.get("format")));
        Map<String, Object> out = new LinkedHashMap<>();
        String report = Fs.child(in, "compression-report.json");
        Map<String, Object> compression = Fs.exists(report) ? Json.readMap(Fs.readString(report)) : Map.of();
        Object measured = compression.get("serve");
        if (!(measured instanceof Map<?, ?> choice) || !hasInt8 || !hasFp32) {
            out.put("file", hasFp32 ? ONNX : hasInt8 ? ONNX_INT8 : MODEL);
            out.put("why", !hasInt8 || !hasFp32 ? "the only ONNX file exported"
                    : "no measurement from compress (compression-report.json) to choose int8 by");
            return out;
        }
        java.util.function.Function<Object, String> file = v -> "int8".equals(v) ? ONNX_INT8 : ONNX;
        out.put("file", file.apply(choice.get("serve")));
        out.putAll(regimeFiles(choice, file));
        if (choice.get(dev.dlpipe.compress.ServeChoice.ONE_THREAD) instanceof Map<?, ?> oneThread) {
            out.put(dev.dlpipe.compress.ServeChoice.ONE_THREAD, regimeFiles(oneThread, file));
        }
        Object cpu = compression.get("cpu");
        if (cpu != null) {
            out.put("measured_on", cpu);
        }
        return out;
    }

    /** A measured choice's variant per regime as this directory's file names, and why. */
    private static Map<String, Object> regimeFiles(Map<?, ?> choice, java.util.function.Function<Object, String> file) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("single_row", file.apply(choice.get("single_row")));
        out.put("batch_256", file.apply(choice.get("batch_256")));
        out.put("why", choice.get("why"));
        return out;
    }

    /**
     * What a client does to raw input before the model, literally: the image chain clean applied, or for tensors
     * trained as stored, nothing but flattening (following an image chain there gave chance accuracy).
     */
    static Map<String, Object> preprocessing(TensorSpec spec, String in) {
        Map<String, Object> p = new LinkedHashMap<>();
        if (TensorSpec.TABULAR_STATS.equals(spec.normalize())) {
            dev.dlpipe.tabular.TabularStats stats = dev.dlpipe.tabular.TabularStats.readFrom(in);
            p.put("input", "table");
            p.put("steps", List.of(
                    "numeric column: a missing value becomes 'fill' (no fill: the row is not scored)",
                    "numeric column: clip to [lo, hi] when outlier_action is clip (outside: not scored when drop)",
                    "numeric column: (value - center) / scale",
                    "categorical column: a missing value becomes 'fill'; its index in 'categories', an unseen one the last",
                    "encoding onehot: one 0/1 per category plus <other>; index: the index as a number",
                    "features in 'layout' order; with 'pca', the dot product with each component instead"));
            p.put("outlier_action", stats.outlierAction());
            p.put("encoding", stats.encoding());
            p.put("numeric", stats.numeric());
            p.put("categorical", stats.categorical());
            p.put("layout", stats.layout());
            p.put("pca", stats.pca());
            return p;
        }
        if (spec.tokenIds()) {
            Map<String, Object> tokenizer = Json.readMap(Fs.readString(Fs.child(in, dev.dlpipe.text.Tokenizer.FILE)));
            p.put("input", "text");
            p.put("steps", List.of(
                    "clean the text as text_cleaning says (clean.text.*: HTML, Unicode normalization, special characters,"
                            + " case, whitespace)",
                    "split it into tokens as tokenizer says",
                    "each token's id is its line number (from 0) in " + dev.dlpipe.text.Vocabulary.FILE + "; a token"
                            + " not there is " + dev.dlpipe.text.Vocabulary.OOV + " (" + dev.dlpipe.text.Vocabulary.OOV_TOKEN + ")",
                    "keep the first sequence_length ids; pad shorter texts at the end with "
                            + dev.dlpipe.text.Vocabulary.PAD + " (" + dev.dlpipe.text.Vocabulary.PAD_TOKEN + ")",
                    "the ONNX models take them as int64 token_ids [N, sequence_length]; the embedding table is inside"));
            p.put("text_cleaning", tokenizer.get("text_cleaning"));
            Map<String, Object> t = new LinkedHashMap<>(tokenizer);
            t.remove("text_cleaning");
            t.remove("sequence_length");
            p.put("tokenizer", t);
            p.put("vocabulary", dev.dlpipe.text.Vocabulary.FILE);
            p.put("vocabulary_size", spec.vocabularySize());
            p.put("sequence_length", spec.featureSize());
            p.put("padding_id", dev.dlpipe.text.Vocabulary.PAD);
            p.put("unknown_id", dev.dlpipe.text.Vocabulary.OOV);
            return p;
        }
        if (!spec.fromImages()) {
            p.put("input", "tensor");
            p.put("decode", "none: the values as stored in the training data (HDF5 dataset or Parquet array), cast to float32");
            p.put("shape", List.of(spec.channels(), spec.height(), spec.width()));
            p.put("scale", "none");
            p.put("layout", "row-major, flattened to " + spec.featureSize() + " values");
            return p;
        }
        p.put("input", "image");
        p.put("decode", "raw uint8 HWC, PNG or JPEG");
        p.put("channels", spec.channels());
        p.put("resize", List.of(spec.height(), spec.width()));
        p.put("resize_method", "bilinear");
        p.put("scale", spec.normalize().equals("unit") ? "divide by 255" : "none");
        p.put("layout", "CHW, flattened");
        return p;
    }

    /** A manifest entry for a written file: its format, name, size and SHA-256. */
    public static Map<String, Object> file(String format, String name, String path) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format);
        m.put("file", name);
        m.put("bytes", Fs.size(path));
        m.put("sha256", Fingerprint.sha256(path));
        return m;
    }
}
