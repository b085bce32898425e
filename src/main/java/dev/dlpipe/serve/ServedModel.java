package dev.dlpipe.serve;

import dev.dlpipe.UserError;
import dev.dlpipe.core.Fingerprint;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.image.CleanImagesStage;
import dev.dlpipe.image.ImageDecodeException;
import dev.dlpipe.onnx.OnnxRuntimeModel;
import dev.dlpipe.tensor.TensorSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One export directory, loaded for serving: the ONNX file chosen from the export manifest (or by
 * {@code serve.variant}) in one ONNX Runtime session, the input spec, the class names, and the turn from a request's
 * instance into the model's features. Instances are the model's own kind: {@code features} (the packed values:
 * pixels as the model takes them, a table's feature vector, token ids), or for an image model {@code image}
 * (base64 PNG/JPEG/BMP/GIF bytes, decoded, resized and scaled exactly as clean did, from tensor.json), for a table
 * model {@code record} (column: value, through the fitted stats.json as clean applied it), for a text model
 * {@code text} (cleaned, tokenized and looked up as pack did, from tokenizer.json and vocabulary.txt); the body
 * itself is read by {@link PredictRequest}. Counted uses
 * let a reload retire it only when the last batch on it is done.
 */
final class ServedModel implements AutoCloseable {

    /** A request field that cannot become features: HTTP 400, naming the field. */
    static final class BadInstance extends RuntimeException {
        final String field;

        BadInstance(String field, String message) {
            super(message);
            this.field = field;
        }
    }

    final String exportDir;
    final String file;
    final String version;
    final String why;
    final TensorSpec spec;
    final List<String> classNames;
    final Map<String, Object> manifest;
    private final OnnxRuntimeModel session;
    private final CleanImagesStage.Settings imageSettings;
    private final dev.dlpipe.tabular.TabularStats tableStats;
    private final dev.dlpipe.text.TextPreprocessing text;
    private final AtomicInteger inUse = new AtomicInteger(1); // the server's own reference until retired

    private ServedModel(String exportDir, String file, String why, OnnxRuntimeModel session) {
        this.exportDir = exportDir;
        this.file = file;
        this.why = why;
        this.session = session;
        this.spec = TensorSpec.readFrom(exportDir);
        this.manifest = Json.readMap(Fs.readString(Fs.child(exportDir, ExportStage.MANIFEST)));
        @SuppressWarnings("unchecked")
        List<String> names = manifest.get("class_names") instanceof List<?> l ? (List<String>) l : List.of();
        this.classNames = names;
        this.version = file + "@" + Fingerprint.sha256(Fs.child(exportDir, file)).substring(0, 12);
        this.imageSettings = spec.fromImages() ? new CleanImagesStage.Settings(spec.height(), spec.width(),
                spec.channels(), spec.normalize()) : null;
        this.tableStats = TensorSpec.TABULAR_STATS.equals(spec.normalize())
                ? dev.dlpipe.tabular.TabularStats.readFrom(exportDir) : null;
        this.text = spec.tokenIds() && Fs.exists(Fs.child(exportDir, dev.dlpipe.text.Tokenizer.FILE))
                ? dev.dlpipe.text.TextPreprocessing.readFrom(exportDir) : null;
    }

    /** Loads and warms up (one call at the batch size, so the first request does not pay for the first run). */
    static ServedModel load(String exportDir, ServeSettings s) {
        if (!Fs.exists(Fs.child(exportDir, ExportStage.MANIFEST))) {
            throw new UserError("serve: " + exportDir + " has no " + ExportStage.MANIFEST + " (expected an export output)");
        }
        Map<String, Object> manifest = Json.readMap(Fs.readString(Fs.child(exportDir, ExportStage.MANIFEST)));
        FileChoice choice = FileChoice.of(manifest, s);
        String file = choice.file();
        String why = choice.why();
        if (!file.endsWith(".onnx") || !Fs.exists(Fs.child(exportDir, file))) {
            throw new UserError("serve: " + exportDir + " has no " + file + " to serve (" + why + "); export with "
                    + "export.formats including onnx" + (file.contains("int8") ? "-int8" : "") + ", or set serve.variant");
        }
        String verified = dev.dlpipe.model.ExportFiles.verified(exportDir, file);
        ServedModel m = new ServedModel(exportDir, file, why, new OnnxRuntimeModel(Fs.readBytes(verified),
                s.threadsPerCall()));
        int rows = Math.max(1, s.maxBatchSize());
        m.predict(new float[rows * m.spec.featureSize()], rows);
        return m;
    }

    /** The ONNX file to serve and why: the serve.variant setting, or for auto the export manifest's measured choice. */
    record FileChoice(String file, String why) {

        static FileChoice of(Map<String, Object> manifest, ServeSettings s) {
            switch (s.variant()) {
                case "fp32":
                    return new FileChoice(ExportStage.ONNX, "serve.variant=fp32");
                case "int8":
                    return new FileChoice(ExportStage.ONNX_INT8, "serve.variant=int8");
                default:
                    break;
            }
            Map<?, ?> serve = manifest.get("serve") instanceof Map<?, ?> m ? m : Map.of();
            // calls on one intra-op thread (as many replicas as cores) take what compress measured that way
            Map<?, ?> perThread = s.threadsPerCall() == 1
                    && serve.get(dev.dlpipe.compress.ServeChoice.ONE_THREAD) instanceof Map<?, ?> one ? one : null;
            Map<?, ?> regime = perThread != null ? perThread : serve;
            Object chosen = regime.get(s.maxBatchSize() > 1 ? "batch_256" : "single_row");
            if (chosen == null) {
                return new FileChoice(ExportStage.ONNX, "no measured choice in the export manifest: FP32");
            }
            return new FileChoice(String.valueOf(chosen), "the export manifest's choice for "
                    + (s.maxBatchSize() > 1 ? "batches" : "single rows")
                    + (perThread != null ? " on one intra-op thread" : "") + ": " + regime.get("why"));
        }
    }

    /** Probabilities [rows][classes] for row-major features. */
    float[][] predict(float[] features, int rows) {
        return session.predict(features, rows, spec.featureSize());
    }

    boolean takesImages() {
        return imageSettings != null;
    }

    boolean takesRecords() {
        return tableStats != null;
    }

    /** A raw table record (column: value) as the model's features, through the fitted statistics clean saved. */
    float[] record(Map<String, Object> record, String field) {
        if (tableStats == null) {
            throw new BadInstance(field, "this model takes " + kind() + ", not table records");
        }
        try {
            return dev.dlpipe.tabular.TabularRecords.features(record, tableStats);
        } catch (dev.dlpipe.tabular.TabularRecords.Rejected r) {
            throw new BadInstance(field + "." + r.column, r.reason + ": " + r.getMessage());
        }
    }

    boolean takesText() {
        return text != null;
    }

    /** A raw text as the model's token ids; a text that cleaning leaves empty is refused (score quarantines it). */
    float[] text(String raw, String field) {
        if (text == null) {
            throw new BadInstance(field, "this model takes " + kind() + ", not text");
        }
        String cleaned = text.clean(raw);
        if (cleaned.isEmpty()) {
            throw new BadInstance(field, field + " is empty once cleaned as for training (empty_text)");
        }
        return text.ids(cleaned);
    }

    /** What an instance may hold for this model, for error messages. */
    String instanceKeys() {
        return "\"features\"" + (takesImages() ? " or \"image\"" : "") + (takesRecords() ? " or \"record\"" : "")
                + (takesText() ? " or \"text\"" : "");
    }

    /** A base64 image as the model's features: decoded, converted, resized and scaled as clean did. */
    float[] image(String base64, String field) {
        if (imageSettings == null) {
            throw new BadInstance(field, "this model takes " + kind() + ", not images");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new BadInstance(field, field + " is not valid base64: " + e.getMessage());
        }
        try {
            return CleanImagesStage.clean("png", bytes, 0, 0, 0, imageSettings);
        } catch (ImageDecodeException e) {
            throw new BadInstance(field, field + " cannot be decoded (" + e.reason() + "): " + e.getMessage());
        }
    }

    String kind() {
        return spec.tokenIds() ? spec.featureSize() + " token ids" : spec.channels() + "x" + spec.height() + "x"
                + spec.width() + " = " + spec.featureSize() + " values";
    }

    /** What GET /v1/model answers: the export manifest and what is served from it. */
    Map<String, Object> describe(ServeSettings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_version", version);
        out.put("export_dir", exportDir);
        out.put("served_file", file);
        out.put("why", why);
        out.put("input", kind());
        out.put("max_batch_size", s.maxBatchSize());
        out.put("max_delay_ms", s.maxDelayMs());
        out.put("replicas", s.replicas());
        out.put("export_manifest", manifest);
        return out;
    }

    /** A batch holds it while it runs; false once it was retired and released by everyone. */
    boolean acquire() {
        while (true) {
            int n = inUse.get();
            if (n <= 0) {
                return false;
            }
            if (inUse.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        if (inUse.decrementAndGet() == 0) {
            session.close();
        }
    }

    /** Retires it: the session closes when the last running batch releases it. */
    @Override
    public void close() {
        release();
    }
}
