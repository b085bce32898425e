package dev.dlpipe.compress;

import dev.dlpipe.model.Network;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which weights pruning removed, held fixed while fine-tuning: as a DL4J training hook it zeroes them again after
 * every minibatch update on every executor, so no pruned weight comes back between averaging rounds. Ships as one
 * bit per weight (a 270k-weight MLP: 34 KB).
 */
public final class PruningMask extends dev.dlpipe.train.AfterUpdateHook {

    private final Map<String, BitSet> kept = new LinkedHashMap<>(); // parameter key -> kept positions (C order)
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private transient Map<String, INDArray> masks; // built once per JVM

    /** The mask of the weights that are currently non-zero. */
    public static PruningMask ofNonZero(Map<String, INDArray> params) {
        PruningMask m = new PruningMask();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (Network.isWeight(e.getKey())) {
                float[] w = e.getValue().dup('c').data().asFloat();
                BitSet bits = new BitSet(w.length);
                for (int i = 0; i < w.length; i++) {
                    if (w[i] != 0f) {
                        bits.set(i);
                    }
                }
                m.kept.put(e.getKey(), bits);
                m.shapes.put(e.getKey(), e.getValue().shape());
            }
        }
        return m;
    }

    private synchronized Map<String, INDArray> masks() {
        if (masks == null) {
            masks = new ConcurrentHashMap<>();
            kept.forEach((k, bits) -> {
                long[] shape = shapes.get(k);
                float[] m = new float[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
                bits.stream().forEach(i -> m[i] = 1f);
                masks.put(k, Nd4j.create(m, shape, 'c'));
            });
        }
        return masks;
    }

    /** Zeroes the pruned weights of {@code model} in place. */
    public void apply(Model model) {
        masks().forEach((k, mask) -> {
            INDArray w = model.getParam(k);
            w.muli(mask.castTo(w.dataType()));
        });
    }

    @Override
    protected void afterUpdate(Model model, long rows) {
        apply(model);
    }
}
