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
 * as usual, the teacher (shipped once as model bytes, deserialized once per JVM) scores it, and the labels become
 * {@code alpha * softmax(teacher logits / T) + (1 - alpha) * one-hot}. The student then trains with its usual
 * cross-entropy on these soft targets through the same parameter-averaging trainer. This is distillation with the
 * temperature on the teacher side only (no T^2 factor, the student at T = 1), a common simplification.
 */
public final class DistillationLoader implements DataSetLoader {

    private static final Map<String, Network> TEACHERS = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final byte[] teacher;
    private final double temperature;
    private final double alpha;
    private final ParquetMinibatchLoader minibatches;

    public DistillationLoader(byte[] teacherZip, int numClasses, double temperature, double alpha) {
        this.teacher = teacherZip;
        this.temperature = temperature;
        this.alpha = alpha;
        this.minibatches = new ParquetMinibatchLoader(numClasses);
    }

    private Network teacher() {
        synchronized (TEACHERS) {
            if (!TEACHERS.containsKey(id)) {
                TEACHERS.clear(); // one teacher per JVM at a time: a long-lived executor must not collect them
            }
        }
        return TEACHERS.computeIfAbsent(id, k -> Models.fromCompact(teacher));
    }

    @Override
    public DataSet load(Source source) {
        DataSet ds = minibatches.load(source.getPath());
        // DL4J may call this inside its prefetch workspace; the teacher's forward pass must run outside it
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = org.nd4j.linalg.factory.Nd4j.getWorkspaceManager()
                .scopeOutOfWorkspaces()) {
            ds.setLabels(softTargets(teacher().output(ds.getFeatures()), ds.getLabels(), temperature, alpha));
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
