package dev.dlpipe.compress;

import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The student's minibatches for knowledge distillation, made on the executors: each minibatch is read from the shards
 * as usual, the teacher (shipped once as model bytes, loaded once per JVM) scores it, and the labels become
 * {@code alpha * softmax(teacher logits / T) + (1 - alpha) * one-hot}. The student then trains with its usual
 * cross-entropy on these soft targets through the same parameter-averaging trainer. This is distillation with the
 * temperature on the teacher side only (no T^2 factor, the student at T = 1), a common simplification. The teacher is
 * a DL4J network, or an exported ONNX model (an ensemble's one graph, trees included) run in ONNX Runtime.
 */
public final class DistillationLoader implements DataSetLoader {

    /** What scores a minibatch: probabilities [rows][classes] for its features. */
    private interface Teacher {
        INDArray probabilities(INDArray features);
    }

    private static final Map<String, Teacher> TEACHERS = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final byte[] teacher;
    private final boolean onnx;
    private final double temperature;
    private final double alpha;
    private final ParquetMinibatchLoader minibatches;

    private DistillationLoader(byte[] teacher, boolean onnx, int numClasses, double temperature, double alpha) {
        this.teacher = teacher;
        this.onnx = onnx;
        this.temperature = temperature;
        this.alpha = alpha;
        this.minibatches = new ParquetMinibatchLoader(numClasses);
    }

    /** A DL4J teacher, as {@link Models#compact} bytes. */
    public DistillationLoader(byte[] teacherCompact, int numClasses, double temperature, double alpha) {
        this(teacherCompact, false, numClasses, temperature, alpha);
    }

    /** An ONNX teacher (the bytes of an exported model.onnx), one session per executor JVM, one thread per call. */
    public static DistillationLoader onnx(byte[] model, int numClasses, double temperature, double alpha) {
        return new DistillationLoader(model, true, numClasses, temperature, alpha);
    }

    private Teacher teacher() {
        synchronized (TEACHERS) {
            if (!TEACHERS.containsKey(id)) {
                // one teacher per JVM at a time: a long-lived executor must not collect them
                TEACHERS.values().forEach(t -> {
                    if (t instanceof AutoCloseable c) {
                        try {
                            c.close();
                        } catch (Exception ignored) {
                            // a session that will not close is only memory
                        }
                    }
                });
                TEACHERS.clear();
            }
        }
        return TEACHERS.computeIfAbsent(id, k -> onnx ? new OnnxTeacher(new dev.dlpipe.onnx.OnnxRuntimeModel(teacher, 1))
                : Models.fromCompact(teacher)::output);
    }

    /** An ONNX Runtime session as a teacher; closed when the next teacher arrives in this JVM. */
    private record OnnxTeacher(dev.dlpipe.onnx.OnnxRuntimeModel session) implements Teacher, AutoCloseable {
        @Override
        public INDArray probabilities(INDArray features) {
            return org.nd4j.linalg.factory.Nd4j.create(session.predict(features.data().asFloat(), (int) features.rows(),
                    (int) features.columns()));
        }

        @Override
        public void close() {
            session.close();
        }
    }

    @Override
    public DataSet load(Source source) {
        DataSet ds = minibatches.load(source.getPath());
        // DL4J may call this inside its prefetch workspace; the teacher's forward pass must run outside it
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = org.nd4j.linalg.factory.Nd4j.getWorkspaceManager()
                .scopeOutOfWorkspaces()) {
            ds.setLabels(softTargets(teacher().probabilities(ds.getFeatures()), ds.getLabels(), temperature, alpha));
        }
        return ds;
    }

    /** alpha * softmax(log(p) / T) + (1 - alpha) * hard; softmax(log p / T) equals softmax(logits / T). */
    static INDArray softTargets(INDArray teacherProbabilities, INDArray hard, double temperature, double alpha) {
        INDArray logits = Transforms.log(teacherProbabilities.add(1e-12), true).divi(temperature);
        INDArray soft = Transforms.softmax(logits, false);
        return soft.muli(alpha).addi(hard.mul(1 - alpha));
    }
}
