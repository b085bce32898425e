package dev.dlpipe.compress;

import dev.dlpipe.UserError;
import dev.dlpipe.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Structured pruning: whole hidden neurons removed from dense layers, giving a smaller dense network ("thinning")
 * rather than zeros inside the same shapes. Unstructured sparsity leaves every matrix its size, so dense kernels
 * (ONNX Runtime's among them) run no faster; a network with fewer neurons does less arithmetic on any runtime.
 *
 * <p>A hidden dense layer is one whose output feeds the next dense or output layer directly (activation and
 * dropout layers between carry no parameters). Neuron j of such a layer is scored by ||W_in[:, j]|| *
 * ||W_out[j, :]||: what flows into it times what it passes on (an unused input or a silenced output both make it
 * cheap to remove), and the lowest-scored are dropped; the layer's bias entries and the next layer's input rows go
 * with them. Other layers (embeddings, convolutions, pooling) are kept as they are: a text model's dense head thins,
 * a CNN's convolutions do not. Plain functions over the network's parameters, no Spark.
 */
public final class NeuronThinning {

    private NeuronThinning() {
    }

    /**
     * A new network with {@code fraction} of the neurons of every hidden dense layer removed (at least one kept),
     * the rest of its parameters copied. Refuses a ComputationGraph or a network without a hidden dense layer.
     */
    public static Network thin(Network net, double fraction) {
        if (net.isGraph()) {
            throw new UserError("compress.structured-sparsity: structured pruning works on layer stacks (mlp, lenet's"
                    + " dense head, text-mean, text-cnn); this model is a ComputationGraph (resnet)");
        }
        MultiLayerNetwork old = net.multiLayer();
        List<int[]> hidden = hiddenDenseLayers(old); // [layer, next layer with parameters]
        if (hidden.isEmpty()) {
            throw new UserError("compress.structured-sparsity: the model has no hidden dense layer to thin");
        }
        MultiLayerConfiguration conf = old.getLayerWiseConfigurations().clone();
        List<int[]> kept = new ArrayList<>();
        for (int[] pair : hidden) {
            INDArray w = old.getLayer(pair[0]).getParam("W");
            INDArray next = old.getLayer(pair[1]).getParam("W");
            int n = (int) w.columns();
            int keep = Math.max(1, (int) Math.round(n * (1 - fraction)));
            int[] chosen = strongest(w.norm2(0), next.norm2(1), keep);
            kept.add(chosen);
            ((FeedForwardLayer) conf.getConf(pair[0]).getLayer()).setNOut(keep);
            ((FeedForwardLayer) conf.getConf(pair[1]).getLayer()).setNIn(keep);
        }
        MultiLayerNetwork thin = new MultiLayerNetwork(conf);
        thin.init();
        // copy every parameter, slicing the thinned layers' columns and their successors' rows
        for (int i = 0; i < old.getnLayers(); i++) {
            for (var e : old.getLayer(i).paramTable().entrySet()) {
                INDArray p = e.getValue();
                for (int h = 0; h < hidden.size(); h++) {
                    long[] idx = Arrays.stream(kept.get(h)).asLongStream().toArray();
                    if (hidden.get(h)[0] == i) { // W [in, out] and b [1, out]: keep columns
                        p = p.get(NDArrayIndex.all(), NDArrayIndex.indices(idx));
                    }
                    if (hidden.get(h)[1] == i && e.getKey().equals("W")) { // the next layer's W [in, out]: rows
                        p = p.get(NDArrayIndex.indices(idx), NDArrayIndex.all());
                    }
                }
                thin.getLayer(i).setParam(e.getKey(), p.dup());
            }
        }
        return new Network(thin);
    }

    /** Multiply-accumulates per row of the dense and output layers; null if the model has other weight layers. */
    public static Long denseMacsPerRow(Network net) {
        if (net.isGraph()) {
            return null;
        }
        long macs = 0;
        MultiLayerNetwork m = net.multiLayer();
        for (int i = 0; i < m.getnLayers(); i++) {
            Layer conf = m.getLayerWiseConfigurations().getConf(i).getLayer();
            if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
                FeedForwardLayer f = (FeedForwardLayer) conf;
                macs += f.getNIn() * f.getNOut();
            } else if (conf instanceof ConvolutionLayer || !m.getLayer(i).paramTable().isEmpty()) {
                return null; // convolutions' cost depends on feature map sizes: not counted here
            }
        }
        return macs;
    }

    /** Pairs [hidden dense layer, the next layer with parameters], where that next layer is dense or output. */
    static List<int[]> hiddenDenseLayers(MultiLayerNetwork net) {
        List<int[]> out = new ArrayList<>();
        int n = net.getnLayers();
        for (int i = 0; i < n; i++) {
            if (!(net.getLayerWiseConfigurations().getConf(i).getLayer() instanceof DenseLayer)) {
                continue;
            }
            int next = i + 1;
            while (next < n && net.getLayer(next).paramTable().isEmpty()
                    && net.getLayerWiseConfigurations().getInputPreProcess(next) == null) {
                next++;
            }
            if (next < n && net.getLayerWiseConfigurations().getInputPreProcess(next) == null) {
                Layer l = net.getLayerWiseConfigurations().getConf(next).getLayer();
                if (l instanceof DenseLayer || l.getClass() == OutputLayer.class) {
                    out.add(new int[] {i, next});
                }
            }
        }
        return out;
    }

    /** The {@code keep} indices with the largest inNorm[j] * outNorm[j], in ascending index order. */
    static int[] strongest(INDArray inNorms, INDArray outNorms, int keep) {
        double[] in = inNorms.toDoubleVector();
        double[] out = outNorms.toDoubleVector();
        return IntStream.range(0, in.length).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -in[j] * out[j]).thenComparingInt(j -> j))
                .limit(keep).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** Neurons per hidden dense layer, for logs and reports. */
    public static List<Long> hiddenWidths(Network net) {
        if (net.isGraph()) {
            return List.of();
        }
        return hiddenDenseLayers(net.multiLayer()).stream()
                .map(p -> ((FeedForwardLayer) net.multiLayer().getLayerWiseConfigurations().getConf(p[0]).getLayer())
                        .getNOut()).toList();
    }
}
