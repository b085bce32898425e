package dev.dlpipe.compress;

import dev.dlpipe.UserError;
import dev.dlpipe.model.Network;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Structured pruning: whole hidden neurons (dense layers) and whole channels (convolutions) removed, giving a
 * smaller dense network ("thinning") rather than zeros inside the same shapes. Unstructured sparsity leaves every
 * matrix its size, so dense kernels (ONNX Runtime's among them) run no faster; fewer neurons and channels mean less
 * arithmetic on any runtime.
 *
 * <p>A layer thins when its units feed the next layer with parameters directly: a dense layer into a dense or output
 * layer, a convolution into a convolution, or a convolution into a dense layer through DL4J's flattening (each
 * channel is then a block of H*W inputs there). Between them only layers that keep channels apart may sit (pooling,
 * activation, dropout). Unit j is scored by ||what flows into it|| * ||what it passes on|| (its filter or weight
 * column, and the next layer's weights that read it): an unused input or a silenced output both make it cheap to
 * remove. The lowest-scored go with their biases and the next layer's weights that read them. Embeddings, batch
 * normalization, graphs: kept as they are or refused by name. Plain functions over parameters, no Spark.
 */
public final class NeuronThinning {

    private NeuronThinning() {
    }

    /** How a thinnable layer's successor reads its units. */
    enum Reads { DENSE_ROWS, CONV_INPUT_CHANNELS, FLATTENED_CHANNELS }

    /** Layer {@code layer} thins; {@code next} reads its units as {@code reads} ({@code block} inputs per unit). */
    record Pair(int layer, boolean conv, int next, Reads reads, long block) {
    }

    /**
     * A new network with {@code fraction} of the units of every thinnable layer removed (at least one kept), the
     * rest of its parameters copied. Refuses a ComputationGraph or a network with nothing to thin.
     */
    public static Network thin(Network net, double fraction) {
        if (net.isGraph()) {
            throw new UserError("compress.structured-sparsity: structured pruning works on layer stacks (mlp, lenet,"
                    + " text-mean, text-cnn's dense head); this model is a ComputationGraph (resnet)");
        }
        MultiLayerNetwork old = net.multiLayer();
        List<Pair> pairs = thinnable(old);
        if (pairs.isEmpty()) {
            throw new UserError("compress.structured-sparsity: the model has no hidden dense layer or convolution"
                    + " to thin");
        }
        MultiLayerConfiguration conf = old.getLayerWiseConfigurations().clone();
        List<long[]> kept = new ArrayList<>();
        for (Pair p : pairs) {
            INDArray w = old.getLayer(p.layer()).getParam("W");
            INDArray next = old.getLayer(p.next()).getParam("W");
            int units = (int) (p.conv() ? w.size(0) : w.columns());
            int keep = Math.max(1, (int) Math.round(units * (1 - fraction)));
            long[] chosen = LongStream.of(strongest(incomingNorms(w, p.conv()), outgoingNorms(next, p, units), keep))
                    .toArray();
            kept.add(chosen);
            ((FeedForwardLayer) conf.getConf(p.layer()).getLayer()).setNOut(keep);
            ((FeedForwardLayer) conf.getConf(p.next()).getLayer()).setNIn(keep * p.block());
            InputPreProcessor pre = conf.getInputPreProcess(p.next());
            if (p.reads() == Reads.FLATTENED_CHANNELS) {
                ((CnnToFeedForwardPreProcessor) pre).setNumChannels(keep);
            }
        }
        MultiLayerNetwork thin = new MultiLayerNetwork(conf);
        thin.init();
        for (int i = 0; i < old.getnLayers(); i++) {
            for (var e : old.getLayer(i).paramTable().entrySet()) {
                INDArray p = e.getValue();
                for (int k = 0; k < pairs.size(); k++) {
                    Pair pair = pairs.get(k);
                    if (pair.layer() == i) { // its own units: W columns (dense) or filters (conv), and the bias
                        p = e.getKey().equals("W") && pair.conv() ? select(p, 0, kept.get(k)) : select(p, 1, kept.get(k));
                    }
                    if (pair.next() == i && e.getKey().equals("W")) { // the successor's weights that read them
                        p = switch (pair.reads()) {
                            case DENSE_ROWS -> select(p, 0, kept.get(k));
                            case CONV_INPUT_CHANNELS -> select(p, 1, kept.get(k));
                            case FLATTENED_CHANNELS -> select(p, 0, blocks(kept.get(k), pair.block()));
                        };
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
            } else if (!m.getLayer(i).paramTable().isEmpty()) {
                return null; // convolutions' cost depends on feature map sizes: not counted here
            }
        }
        return macs;
    }

    /** Units (neurons or channels) per thinnable layer, for logs and reports. */
    public static List<Long> hiddenWidths(Network net) {
        if (net.isGraph()) {
            return List.of();
        }
        MultiLayerConfiguration conf = net.multiLayer().getLayerWiseConfigurations();
        return thinnable(net.multiLayer()).stream()
                .map(p -> ((FeedForwardLayer) conf.getConf(p.layer()).getLayer()).getNOut()).toList();
    }

    static List<Pair> thinnable(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        List<Pair> out = new ArrayList<>();
        int n = net.getnLayers();
        for (int i = 0; i < n; i++) {
            Layer l = conf.getConf(i).getLayer();
            boolean dense = l instanceof DenseLayer;
            boolean conv = l.getClass() == ConvolutionLayer.class
                    && ((ConvolutionLayer) l).getCnn2dDataFormat() == CNN2DFormat.NCHW;
            if (!dense && !conv) {
                continue;
            }
            int next = i + 1;
            boolean flattened = false;
            while (next < n) {
                InputPreProcessor pre = conf.getInputPreProcess(next);
                if (pre instanceof CnnToFeedForwardPreProcessor c && c.getFormat() == CNN2DFormat.NCHW) {
                    flattened = true;
                } else if (pre != null) {
                    break;
                }
                Layer between = conf.getConf(next).getLayer();
                if (!(between instanceof SubsamplingLayer || between instanceof ActivationLayer
                        || between instanceof DropoutLayer)) {
                    break;
                }
                next++;
            }
            if (next >= n || conf.getInputPreProcess(next) != null
                    && !(conf.getInputPreProcess(next) instanceof CnnToFeedForwardPreProcessor)) {
                continue;
            }
            if (conf.getInputPreProcess(next) instanceof CnnToFeedForwardPreProcessor c
                    && c.getFormat() == CNN2DFormat.NCHW) {
                flattened = true;
            }
            Layer successor = conf.getConf(next).getLayer();
            boolean denseNext = successor instanceof DenseLayer || successor.getClass() == OutputLayer.class;
            if (dense && denseNext && !flattened) {
                out.add(new Pair(i, false, next, Reads.DENSE_ROWS, 1));
            } else if (conv && successor.getClass() == ConvolutionLayer.class && !flattened) {
                out.add(new Pair(i, true, next, Reads.CONV_INPUT_CHANNELS, 1));
            } else if (conv && denseNext && flattened) {
                CnnToFeedForwardPreProcessor c = (CnnToFeedForwardPreProcessor) conf.getInputPreProcess(next);
                out.add(new Pair(i, true, next, Reads.FLATTENED_CHANNELS, c.getInputHeight() * c.getInputWidth()));
            }
        }
        return out;
    }

    /** ||filter j|| (conv W [out, in, kH, kW]) or ||column j|| (dense W [in, out]). */
    private static double[] incomingNorms(INDArray w, boolean conv) {
        return conv ? w.reshape(w.size(0), -1).norm2(1).toDoubleVector() : w.norm2(0).toDoubleVector();
    }

    /** The norm of the successor's weights that read unit j. */
    private static double[] outgoingNorms(INDArray next, Pair p, int units) {
        return switch (p.reads()) {
            case DENSE_ROWS -> next.norm2(1).toDoubleVector();
            case CONV_INPUT_CHANNELS -> next.permute(1, 0, 2, 3).dup('c').reshape(units, -1).norm2(1).toDoubleVector();
            case FLATTENED_CHANNELS -> next.reshape('c', units, -1).norm2(1).toDoubleVector();
        };
    }

    /** The {@code keep} indices with the largest in[j] * out[j], in ascending index order. */
    static long[] strongest(double[] in, double[] out, int keep) {
        return IntStream.range(0, in.length).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -in[j] * out[j]).thenComparingInt(j -> j))
                .limit(keep).mapToLong(Integer::longValue).sorted().toArray();
    }

    /** Indices {@code indices} along {@code dim}, every other dimension whole. */
    private static INDArray select(INDArray a, int dim, long[] indices) {
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        for (int d = 0; d < idx.length; d++) {
            idx[d] = d == dim ? NDArrayIndex.indices(indices) : NDArrayIndex.all();
        }
        return a.get(idx);
    }

    /** Channel c of a flattened [C, H, W] input is rows c*block .. c*block+block-1. */
    private static long[] blocks(long[] channels, long block) {
        return LongStream.of(channels).flatMap(c -> LongStream.range(c * block, c * block + block)).toArray();
    }
}
