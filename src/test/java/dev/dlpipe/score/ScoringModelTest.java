package dev.dlpipe.score;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.core.Fingerprint;
import dev.dlpipe.core.Json;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.load.TensorBlock;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.train.TrainSettings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two scoring engines on one export: ONNX Runtime on model.onnx and DL4J on model.zip give the same
 * probabilities (to float rounding) for the same rows, from a tensor block and from feature arrays; an engine
 * whose file was not exported, or a file changed after export, is a one-line error.
 */
class ScoringModelTest {

    static final TensorSpec SPEC = new TensorSpec(1, 8, 8, "unit", 5);

    @TempDir
    Path export;

    @Test
    void onnxRuntimeAndDl4jScoreTheSameRowsAlike() throws Exception {
        writeExport(network(16), true);
        int rows = 37;
        float[] features = new float[rows * SPEC.featureSize()];
        Random random = new Random(7);
        for (int i = 0; i < features.length; i++) {
            features[i] = random.nextFloat();
        }
        ByteBuffer data = ByteBuffer.allocate(features.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(features);
        TensorBlock block = TensorBlock.packed(rows, SPEC.featureSize(), data, new int[rows], () -> { });

        ScoringModel onnx = ScoringModel.Payload.of(ScoringModel.Engine.ONNX, export.toString()).open();
        ScoringModel dl4j = ScoringModel.Payload.of(ScoringModel.Engine.DL4J, export.toString()).open();
        float[][] expected = dl4j.predict(features, rows, SPEC.featureSize());
        float[][] fromArray = onnx.predict(features, rows, SPEC.featureSize());
        float[][] fromBlock = onnx.predict(block, 3, 30);
        for (int r = 0; r < rows; r++) {
            assertArrayEquals(expected[r], fromArray[r], 1e-5f, "row " + r);
            assertEquals(dev.dlpipe.model.Probabilities.argMax(expected[r]), dev.dlpipe.model.Probabilities.argMax(fromArray[r]));
        }
        for (int r = 0; r < 30; r++) {
            assertArrayEquals(expected[r + 3], fromBlock[r], 1e-5f, "block row " + (r + 3));
        }
        assertArrayEquals(expected[32], dl4j.predict(block, 3, 30)[29], 1e-6f);
        assertSame(((ScoringModel.Ort) onnx).session(), ((ScoringModel.Ort) ScoringModel.Payload.of(
                ScoringModel.Engine.ONNX, export.toString()).open()).session(), "one session per model per JVM");
    }

    @Test
    void aMissingOrChangedFileIsAOneLineError() throws Exception {
        writeExport(network(8), false);
        UserError missing = assertThrows(UserError.class,
                () -> ScoringModel.Payload.of(ScoringModel.Engine.ONNX, export.toString()));
        assertTrue(missing.getMessage().startsWith("score.engine is onnx, but " + export + " has no model.onnx"),
                missing.getMessage());
        Files.writeString(export.resolve(ExportStage.MODEL), "not the zip export wrote");
        UserError changed = assertThrows(UserError.class,
                () -> ScoringModel.Payload.of(ScoringModel.Engine.DL4J, export.toString()));
        assertTrue(changed.getMessage().contains("is not the file export wrote"), changed.getMessage());
    }

    private static Network network(int hidden) {
        return new Network(ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(),
                List.of("train.model=mlp", "train.hidden-units=" + hidden))), SPEC));
    }

    private void writeExport(Network net, boolean onnx) throws Exception {
        Models.write(net, export.resolve(ExportStage.MODEL).toString());
        List<Map<String, Object>> files = new ArrayList<>();
        files.add(Map.of("file", ExportStage.MODEL,
                "sha256", Fingerprint.sha256(export.resolve(ExportStage.MODEL).toString())));
        if (onnx) {
            Files.write(export.resolve(ExportStage.ONNX), OnnxExporter.export(net, SPEC, false, Map.of(), "test"));
            files.add(Map.of("file", ExportStage.ONNX,
                    "sha256", Fingerprint.sha256(export.resolve(ExportStage.ONNX).toString())));
        }
        Files.writeString(export.resolve(ExportStage.MANIFEST), Json.write(Map.of("files", files)));
    }
}
