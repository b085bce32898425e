package dev.dlpipe.score;

import dev.dlpipe.UserError;
import dev.dlpipe.core.Fs;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.load.Batches;
import dev.dlpipe.load.TensorBlock;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxRuntimeModel;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What scoring needs from the exported model: class probabilities for a batch of feature rows. Two engines
 * ({@code score.engine}): ONNX Runtime on the exported {@code model.onnx} (or {@code model-int8.onnx}), one session
 * per executor JVM shared by its tasks (a session runs concurrent calls; one intra-op thread each, since Spark
 * already runs a task per core); or DL4J on {@code model.zip}, one network per task (a network is not thread-safe).
 */
interface ScoringModel {

    /** Probabilities [rows][classes] for {@code rows} rows of {@code block} from {@code from}. */
    float[][] predict(TensorBlock block, int from, int rows);

    /** Probabilities [rows][classes] for row-major features [rows, width]. */
    float[][] predict(float[] features, int rows, int width);

    /** The engines {@code score.engine} names, and the file each scores. */
    enum Engine {
        ONNX("onnx", ExportStage.ONNX), ONNX_INT8("onnx-int8", ExportStage.ONNX_INT8), DL4J("dl4j", ExportStage.MODEL);

        final String configName;
        final String file;

        Engine(String configName, String file) {
            this.configName = configName;
            this.file = file;
        }

        static Engine of(String configName) {
            for (Engine e : values()) {
                if (e.configName.equals(configName)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("score.engine " + configName);
        }
    }

    /**
     * What travels to the executors (broadcast once): the engine, a key naming the model, and its bytes. A class,
     * not a record: Spark's Kryo serializer cannot write records.
     */
    final class Payload implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Engine engine;
        private final String key;
        private final byte[] bytes;

        Payload(Engine engine, String key, byte[] bytes) {
            this.engine = engine;
            this.key = key;
            this.bytes = bytes;
        }

        /** The export's model for {@code engine}; a missing file is a one-line error naming the key to change. */
        static Payload of(Engine engine, String exportDir) {
            if (!Fs.exists(Fs.child(exportDir, engine.file))) {
                throw missing(engine, exportDir);
            }
            String file = dev.dlpipe.model.ExportFiles.verified(exportDir, engine.file);
            if (engine == Engine.DL4J) {
                return new Payload(engine, file, Models.compact(Models.read(file)));
            }
            byte[] bytes = Fs.readBytes(file);
            return new Payload(engine, dev.dlpipe.core.Fingerprint.sha256(file), bytes);
        }

        static UserError missing(Engine engine, String exportDir) {
            return new UserError("score.engine is " + engine.configName + ", but " + exportDir + " has no "
                    + engine.file + " (export.formats of that run did not include it); set score.engine to the "
                    + "format that was exported (onnx, onnx-int8 or dl4j)");
        }

        /** This task's model: the executor's shared ONNX Runtime session, or a fresh DL4J network. */
        ScoringModel open() {
            if (engine == Engine.DL4J) {
                return new Dl4j(Models.fromCompact(bytes));
            }
            return new Ort(SESSIONS.computeIfAbsent(key, k -> new OnnxRuntimeModel(bytes, 1)));
        }
    }

    /** One ONNX Runtime session per model per executor JVM, for the JVM's life (a few MB each). */
    Map<String, OnnxRuntimeModel> SESSIONS = new ConcurrentHashMap<>();

    /** DL4J on the compact network. */
    final class Dl4j implements ScoringModel {
        private final Network net;

        Dl4j(Network net) {
            this.net = net;
        }

        @Override
        public float[][] predict(TensorBlock block, int from, int rows) {
            return net.output(Batches.features(block, from, rows)).toFloatMatrix();
        }

        @Override
        public float[][] predict(float[] features, int rows, int width) {
            INDArray in = Nd4j.create(features, new long[] {rows, width}, 'c');
            return net.output(in).toFloatMatrix();
        }
    }

    /** ONNX Runtime on the shared session. */
    final class Ort implements ScoringModel {
        private final OnnxRuntimeModel session;
        private ByteBuffer buffer;

        Ort(OnnxRuntimeModel session) {
            this.session = session;
        }

        OnnxRuntimeModel session() {
            return session;
        }

        @Override
        public float[][] predict(TensorBlock block, int from, int rows) {
            int bytes = rows * block.rowBytes();
            if (buffer == null || buffer.capacity() < bytes) {
                // direct and in native order: ONNX Runtime reads the rows where they are copied to, no second copy
                buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            }
            block.copyRows(from, rows, buffer, 0);
            java.nio.FloatBuffer floats = buffer.asFloatBuffer();
            floats.limit(rows * block.featureSize());
            if (!session.takesTokenIds() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                return session.predict(floats, rows, block.featureSize());
            }
            float[] features = new float[rows * block.featureSize()];
            floats.get(features);
            return session.predict(features, rows, block.featureSize());
        }

        @Override
        public float[][] predict(float[] features, int rows, int width) {
            return session.predict(features, rows, width);
        }
    }
}
