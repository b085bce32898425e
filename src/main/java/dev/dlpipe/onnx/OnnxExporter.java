package dev.dlpipe.onnx;

import dev.dlpipe.model.Int8Quantizer;
import dev.dlpipe.UserError;
import dev.dlpipe.onnx.OnnxGraph.Attr;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.model.Network;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exports the networks the trainer makes to ONNX: MultiLayerNetworks (the MLP, LeNet) layer by layer, and
 * ComputationGraphs (the residual CNN) vertex by vertex in topological order. Input {@code features} is
 * [N, C*H*W] float32, exactly what the packed data and the DL4J model take; output {@code probabilities} is
 * [N, classes]. Dense layers become Gemm, convolutions Conv, pooling MaxPool/AveragePool/GlobalAveragePool, batch
 * normalization BatchNormalization (running statistics), element-wise vertices Sum/Sub/Mul/Mean/Max, merge vertices
 * Concat, DL4J's preprocessors Reshape/Flatten; dropout disappears (inference). {@code int8} stores every weight
 * tensor as symmetric per-output-channel int8 behind a DequantizeLinear (QDQ); with calibrated input ranges, dense
 * layers get the full QDQ pattern that ONNX Runtime runs as integer QGemm. Convolutions keep float arithmetic in
 * ONNX Runtime (its QLinearConv also needs quantized outputs), so for CNNs int8 buys size, not speed. Anything else
 * is refused with the layer's name and type.
 */
public final class OnnxExporter {

    /**
     * ONNX int8 weights use levels -63..63 ("reduce range"), as ONNX Runtime advises for x86 without VNNI: there its
     * integer kernels sum uint8 x int8 products pairwise in int16, which saturates with full-range weights. Measured
     * on the quickstart test split (AVX2, no VNNI): top-1 agreement with DL4J 99.34% at -127..127, 100% at -63..63;
     * on the residual CNN 99.26% and 99.75%. The DLQ8 file, which DL4J dequantizes to float, keeps the full range.
     */
    static final int WEIGHT_LEVELS = 63;

    public static final String INPUT = "features";
    /** The input of a text model: token ids, int64 [N, sequence length], as vocabulary.txt numbers them. */
    public static final String TOKEN_INPUT = "token_ids";
    public static final String OUTPUT = "probabilities";

    private OnnxExporter() {
    }

    /**
     * The metadata every exported ONNX file carries, from the model's own facts only (no paths of this machine):
     * compress times the same bytes that export writes, so the sizes in its report are the published files' sizes.
     */
    public static Map<String, String> metadata(TensorSpec spec, boolean int8, boolean calibrated) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("dlpipe.classes", String.join(",", java.util.stream.IntStream.range(0, spec.numClasses())
                .mapToObj(String::valueOf).toList()));
        m.put("dlpipe.input_tensor_shape", spec.channels() + "," + spec.height() + "," + spec.width());
        m.put("dlpipe.normalize", spec.normalize());
        if (int8) {
            m.put("dlpipe.int8_activations", calibrated ? "int8, calibrated (activation-ranges.json)"
                    : "float (weights-only int8)");
        }
        return m;
    }

    public static byte[] export(Network net, TensorSpec spec, boolean int8, Map<String, String> metadata,
                                String version) {
        return export(net, spec, int8, Map.of(), metadata, version);
    }

    /**
     * {@code inputRanges} (layer name, as {@link Network} names layers, to calibrated max |input|): with int8, each
     * of those layers' inputs also goes through QuantizeLinear/DequantizeLinear (uint8: range / 255 with zero point 0 for inputs that cannot be negative, range / 127 around 128 otherwise),
     * so the whole layer can run in integer arithmetic. Without ranges, int8 covers the weights only.
     */
    public static byte[] export(Network net, TensorSpec spec, boolean int8, Map<String, Float> inputRanges,
                                Map<String, String> metadata, String version) {
        OnnxGraph g = new OnnxGraph();
        String input = spec.tokenIds() ? TOKEN_INPUT : INPUT;
        g.input(input, spec.tokenIds() ? OnnxGraph.INT64 : OnnxGraph.FLOAT, -1, spec.featureSize());
        Lowering lower = new Lowering(g, int8, int8 ? inputRanges : Map.of(), new java.util.HashSet<>(),
                new java.util.HashSet<>());
        if (spec.fromImages()) {
            lower.nonNegative().add(input); // pixels in [0, 1] or [0, 255]
        }
        String x = lower(lower, net, input, "");
        g.node("Identity", List.of(x), OUTPUT);
        g.output(OUTPUT, OnnxGraph.FLOAT, -1, spec.numClasses());
        metadata.forEach(g::metadata);
        return g.toModel("dlpipe", version);
    }

    /**
     * One float network's nodes added to a graph that other models share (an ensemble), reading {@code input};
     * its tensors' names start with {@code prefix}, so members never share a name. Returns its probabilities.
     */
    public static String lowerInto(OnnxGraph g, Network net, String input, boolean imageInput, String prefix) {
        Lowering lower = new Lowering(g, false, Map.of(), new java.util.HashSet<>(), new java.util.HashSet<>());
        if (imageInput) {
            lower.nonNegative().add(input);
        }
        return lower(lower, net, input, prefix);
    }

    /** One network's nodes from {@code input}; its tensors' names start with {@code prefix}. Returns its output. */
    private static String lower(Lowering lower, Network net, String input, String prefix) {
        return net.isGraph() ? lowerGraph(lower, net.graph(), input, prefix)
                : lowerLayers(lower, net.multiLayer(), input, prefix);
    }

    private static String lowerLayers(Lowering lower, MultiLayerNetwork net, String input, String prefix) {
        String x = input;
        for (int i = 0; i < net.getnLayers(); i++) {
            String key = String.valueOf(i);
            x = lower.preprocess(net.getLayerWiseConfigurations().getInputPreProcess(i), x, prefix + key);
            // the configuration's layer, not the runtime layer's: a wrapper (MaskZeroLayer) shows only what it wraps
            x = lower.layer(net.getLayer(i), net.getLayerWiseConfigurations().getConf(i).getLayer(), x, key,
                    prefix + "layer" + i);
        }
        return x;
    }

    private static String lowerGraph(Lowering lower, ComputationGraph graph, String input, String prefix) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, String> tensors = new HashMap<>(); // vertex name -> the ONNX tensor holding its output
        tensors.put(conf.getNetworkInputs().get(0), input);
        for (int i : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[i].getVertexName();
            GraphVertex vertex = conf.getVertices().get(name);
            if (vertex == null) {
                continue; // the network input
            }
            List<String> in = conf.getVertexInputs().get(name).stream().map(tensors::get).toList();
            String out;
            if (vertex instanceof LayerVertex v) {
                String x = lower.preprocess(v.getPreProcessor(), in.get(0), prefix + name);
                out = lower.layer(graph.getLayer(name), v.getLayerConf().getLayer(), x, name, prefix + name);
            } else if (vertex instanceof ElementWiseVertex v) {
                out = lower.elementWise(v.getOp(), in, prefix + name);
            } else if (vertex instanceof MergeVertex v) {
                out = lower.g.node("Concat", in, lower.g.name(prefix + name + "_concat"), Attr.i("axis", v.getMergeAxis()));
            } else {
                throw new UserError("ONNX export: vertex " + name + " (" + vertex.getClass().getSimpleName()
                        + ") is not supported; supported vertices: layers, ElementWise, Merge");
            }
            tensors.put(name, out);
        }
        return tensors.get(conf.getNetworkOutputs().get(0));
    }

    /**
     * Adds the ONNX nodes for one DL4J layer or vertex at a time. {@code sequences}: the tensors that are [N, C, L]
     * sequences (after an embedding), which global pooling reduces over L instead of H and W.
     */
    private record Lowering(OnnxGraph g, boolean int8, Map<String, Float> inputRanges, java.util.Set<String> sequences,
                            java.util.Set<String> nonNegative) {

        /** {@code out} holds no negative value when {@code in} holds none (pooling, reshapes, identity). */
        String keepsSign(String in, String out) {
            if (nonNegative.contains(in)) {
                nonNegative.add(out);
            }
            return out;
        }

        String preprocess(InputPreProcessor pre, String x, String layer) {
            if (pre == null || pre instanceof dev.dlpipe.model.TokenIdsToSequence) {
                return x; // token ids stay [N, L] here: Gather takes them as they are
            }
            if (pre instanceof FeedForwardToCnnPreProcessor p) {
                String shape = g.int64s(g.name("shape"), new long[] {4},
                        new long[] {-1, p.getNumChannels(), p.getInputHeight(), p.getInputWidth()});
                return keepsSign(x, g.node("Reshape", List.of(x, shape), g.name("nchw")));
            }
            if (pre instanceof CnnToFeedForwardPreProcessor p && p.getFormat() == CNN2DFormat.NCHW) {
                // DL4J flattens C order too
                return keepsSign(x, g.node("Flatten", List.of(x), g.name("flat"), Attr.i("axis", 1)));
            }
            throw new UserError("ONNX export: input preprocessor of layer " + layer + " (" + pre.getClass().getSimpleName()
                    + ") is not supported");
        }

        /** {@code key}: the layer's name for ranges and errors; {@code name}: the prefix of its ONNX tensors. */
        String layer(org.deeplearning4j.nn.api.Layer layer, Layer conf, String x, String key, String name) {
            if (conf instanceof MaskZeroLayer m && m.getUnderlying() instanceof EmbeddingSequenceLayer e) {
                if (m.getMaskingValue() != 0.0) {
                    throw unsupported(key, conf, "masking value " + m.getMaskingValue());
                }
                // DL4J zeroes the time steps whose id is the padding: multiply by (ids != 0) as [N, 1, L]
                String embedded = embedding(layer, e, x, name, key);
                String zero = g.int64s(g.name(name + "_pad"), new long[0], new long[] {0});
                String isPad = g.node("Equal", List.of(x, zero), g.name(name + "_is_pad"));
                String keep = g.node("Cast", List.of(g.node("Not", List.of(isPad), g.name(name + "_not_pad"))),
                        g.name(name + "_keep"), Attr.i("to", OnnxGraph.FLOAT));
                String axes = g.int64s(g.name(name + "_axis1"), new long[] {1}, new long[] {1});
                String mask = g.node("Unsqueeze", List.of(keep, axes), g.name(name + "_mask"));
                String out = g.node("Mul", List.of(embedded, mask), g.name(name + "_masked"));
                sequences.add(out);
                return out;
            }
            if (conf instanceof EmbeddingSequenceLayer e) {
                return embedding(layer, e, x, name, key);
            }
            if (conf.getClass() == Convolution1DLayer.class) {
                Convolution1DLayer c = (Convolution1DLayer) conf;
                if (c.getConvolutionMode() == ConvolutionMode.Causal || c.getRnnDataFormat() != RNNFormat.NCW) {
                    throw unsupported(key, conf, c.getConvolutionMode() + ", " + c.getRnnDataFormat());
                }
                // DL4J reports W as [out, in, k, 1], but its conv1d reads the buffer as [k, in, out] (measured with
                // one-hot inputs: kernel offset j from input c to output o is value (j * in + c) * out + o), so ONNX
                // gets the values permuted to its [out, in, k]
                long[] shape = layer.getParam("W").shape();
                INDArray w = layer.getParam("W").dup('c').reshape('c', shape[2], shape[1], shape[0]).permute(2, 1, 0)
                        .dup('c');
                List<Attr> attrs = new ArrayList<>(List.of(Attr.ints("kernel_shape", (int) shape[2]),
                        Attr.ints("strides", c.getStride()[0]), Attr.ints("dilations", c.getDilation()[0])));
                attrs.add(c.getConvolutionMode() == ConvolutionMode.Same ? Attr.s("auto_pad", "SAME_UPPER")
                        : Attr.ints("pads", c.getPadding()[0], c.getPadding()[0]));
                x = g.node("Conv", linearInputs(layer, x, key, name, c.hasBias(), w),
                        g.name(name + "_conv1d"), attrs.toArray(new Attr[0]));
                sequences.add(x);
                return sequence(activation(c.getActivationFn(), x, name, key), x);
            }
            if (conf.getClass() == ConvolutionLayer.class) { // not its subclasses (1D/3D, depthwise, deconvolution)
                ConvolutionLayer c = (ConvolutionLayer) conf;
                if (c.getConvolutionMode() == ConvolutionMode.Causal || c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                    throw unsupported(key, conf, c.getConvolutionMode() + ", " + c.getCnn2dDataFormat());
                }
                x = g.node("Conv", linearInputs(layer, x, key, name, c.hasBias()), g.name(name + "_conv"), convAttrs(c.getKernelSize(), c.getStride(),
                        c.getPadding(), c.getDilation(), c.getConvolutionMode()));
                return activation(c.getActivationFn(), x, name, key);
            }
            if (conf.getClass() == SubsamplingLayer.class) {
                SubsamplingLayer s = (SubsamplingLayer) conf;
                if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
                    throw unsupported(key, conf, s.getCnn2dDataFormat().toString());
                }
                List<Attr> attrs = new ArrayList<>(List.of(convAttrs(s.getKernelSize(), s.getStride(), s.getPadding(),
                        null, s.getConvolutionMode())));
                String op = switch (s.getPoolingType()) {
                    case MAX -> "MaxPool";
                    case AVG -> "AveragePool";
                    default -> throw unsupported(key, conf, "pooling type " + s.getPoolingType());
                };
                if (op.equals("AveragePool")) {
                    attrs.add(Attr.i("count_include_pad", s.isAvgPoolIncludePadInDivisor() ? 1 : 0));
                }
                return keepsSign(x, g.node(op, List.of(x), g.name(name + "_pool"), attrs.toArray(new Attr[0])));
            }
            if (conf instanceof GlobalPoolingLayer p && sequences.contains(x)) {
                String op = switch (p.getPoolingType()) {
                    case MAX -> "ReduceMax";
                    case AVG -> "ReduceMean";
                    default -> throw unsupported(key, conf, "pooling type " + p.getPoolingType());
                };
                return g.node(op, List.of(x), g.name(name + "_pool"), Attr.ints("axes", 2),
                        Attr.i("keepdims", p.isCollapseDimensions() ? 0 : 1));
            }
            if (conf instanceof GlobalPoolingLayer p) {
                int[] dims = p.getPoolingDimensions();
                if (dims != null && !java.util.Arrays.equals(dims, new int[] {2, 3})) {
                    throw unsupported(key, conf, "pooling over dimensions " + java.util.Arrays.toString(dims));
                }
                String op = switch (p.getPoolingType()) {
                    case MAX -> "GlobalMaxPool";
                    case AVG -> "GlobalAveragePool";
                    default -> throw unsupported(key, conf, "pooling type " + p.getPoolingType());
                };
                x = keepsSign(x, g.node(op, List.of(x), g.name(name + "_pool")));
                return p.isCollapseDimensions() ? keepsSign(x, g.node("Flatten", List.of(x), g.name(name + "_flat"),
                        Attr.i("axis", 1))) : x;
            }
            if (conf instanceof BatchNormalization bn) {
                // no activation: DL4J's batch norm layer returns its normalized output and ignores the activation
                // its configuration inherits (sigmoid by default), and the export must compute what DL4J computes
                return batchNorm(layer, bn, x, name, key);
            }
            if (conf instanceof ActivationLayer a) {
                return activation(a.getActivationFn(), x, name, key);
            }
            if (conf instanceof DenseLayer || conf.getClass() == OutputLayer.class) {
                org.deeplearning4j.nn.conf.layers.FeedForwardLayer f =
                        (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) conf;
                boolean bias = conf instanceof DenseLayer d ? d.hasBias() : ((OutputLayer) conf).hasBias();
                if (conf instanceof OutputLayer o && !(o.getActivationFn() instanceof ActivationSoftmax)) {
                    throw unsupported(key, conf, "output activation " + o.getActivationFn());
                }
                x = g.node("Gemm", linearInputs(layer, x, key, name, bias), g.name(name + "_gemm"));
                return activation(f.getActivationFn(), x, name, key);
            }
            if (conf instanceof DropoutLayer) {
                return x; // identity at inference
            }
            throw unsupported(key, conf, null);
        }

        /**
         * The token table as Gather(table, ids) -> [N, L, E], transposed to DL4J's [N, E, L]. In int8 the table is
         * stored per row (one scale per token) behind a DequantizeLinear: the table is most of a text model's bytes.
         */
        private String embedding(org.deeplearning4j.nn.api.Layer layer, EmbeddingSequenceLayer e, String x,
                                 String name, String key) {
            if (e.hasBias() || !(e.getActivationFn() instanceof ActivationIdentity)) {
                throw unsupported(key, e, "bias or activation on the embedding");
            }
            INDArray w = layer.getParam("W");
            long[] shape = w.shape();
            String table;
            if (int8) {
                Int8Quantizer.Quantized q = Int8Quantizer.quantizeRows(floats(w), shape, 127);
                table = g.node("DequantizeLinear", List.of(g.int8s(name + "_W_q", shape, q.values()),
                        g.floats(name + "_W_scale", new long[] {shape[0]}, q.scales()),
                        g.int8s(name + "_W_zero", new long[] {shape[0]}, new byte[(int) shape[0]])), name + "_W",
                        Attr.i("axis", 0));
            } else {
                table = g.floats(name + "_W", shape, floats(w));
            }
            String gathered = g.node("Gather", List.of(table, x), g.name(name + "_gather"), Attr.i("axis", 0));
            String out = g.node("Transpose", List.of(gathered), g.name(name + "_ncw"), Attr.ints("perm", 0, 2, 1));
            sequences.add(out);
            return out;
        }

        /** {@code y}, computed element-wise from the sequence {@code x}, is a sequence too. */
        private String sequence(String y, String x) {
            if (sequences.contains(x)) {
                sequences.add(y);
            }
            return y;
        }

        /**
         * Inference batch norm on the running statistics. DL4J may keep log10 of the standard deviation instead of
         * the variance (useLogStd, its default); it still divides by sqrt(std^2 + eps), so ONNX gets var = std^2.
         */
        private String batchNorm(org.deeplearning4j.nn.api.Layer layer, BatchNormalization bn, String x, String name,
                                 String key) {
            if (bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
                throw unsupported(key, bn, bn.getCnn2DFormat().toString());
            }
            float[] mean = floats(layer.getParam("mean"));
            int c = mean.length;
            float[] var;
            if (layer.paramTable().containsKey("log10stdev")) {
                float[] log10std = floats(layer.getParam("log10stdev"));
                var = new float[c];
                for (int i = 0; i < c; i++) {
                    var[i] = (float) Math.pow(10, 2.0 * log10std[i]);
                }
            } else {
                var = floats(layer.getParam("var"));
            }
            float[] gamma = bn.isLockGammaBeta() ? filled(c, bn.getGamma()) : floats(layer.getParam("gamma"));
            float[] beta = bn.isLockGammaBeta() ? filled(c, bn.getBeta()) : floats(layer.getParam("beta"));
            long[] dims = {c};
            return g.node("BatchNormalization", List.of(x, g.floats(name + "_gamma", dims, gamma),
                    g.floats(name + "_beta", dims, beta), g.floats(name + "_mean", dims, mean),
                    g.floats(name + "_var", dims, var)), g.name(name + "_bn"), Attr.f("epsilon", (float) bn.getEps()));
        }

        String elementWise(ElementWiseVertex.Op op, List<String> in, String name) {
            String onnx = switch (op) {
                case Add -> "Sum";
                case Average -> "Mean";
                case Max -> "Max";
                case Product -> "Mul";
                case Subtract -> "Sub";
            };
            if ((op == ElementWiseVertex.Op.Subtract || op == ElementWiseVertex.Op.Product) && in.size() != 2) {
                throw new UserError("ONNX export: vertex " + name + " (" + op + " of " + in.size()
                        + " inputs) is not supported; " + op + " takes two");
            }
            return g.node(onnx, in, g.name(name + "_" + onnx.toLowerCase(java.util.Locale.ROOT)));
        }

        /**
         * The input, weight and bias of a Gemm or Conv. In FP32 all three are plain. In int8 the weight is int8 with
         * per-output-channel scales behind a DequantizeLinear. With a calibrated range the input also goes through
         * QuantizeLinear/DequantizeLinear (uint8; see the comment in the body), and the bias becomes int32 with scale
         * input scale * weight scale, zero point 0: the layout ONNX Runtime fuses into one integer kernel (QGemm).
         * With a float bias it leaves the weights' DequantizeLinear in place and runs the layer in float.
         */
        private List<String> linearInputs(org.deeplearning4j.nn.api.Layer layer, String x, String key, String name,
                                          boolean hasBias) {
            return linearInputs(layer, x, key, name, hasBias, layer.getParam("W"));
        }

        /** {@code w}: the weight as ONNX lays it out, when that differs from DL4J's parameter. */
        private List<String> linearInputs(org.deeplearning4j.nn.api.Layer layer, String x, String key, String name,
                                          boolean hasBias, INDArray w) {
            long[] shape = w.shape();
            Int8Quantizer.Quantized q = int8 ? Int8Quantizer.quantize(floats(w), shape, WEIGHT_LEVELS) : null;
            String weight;
            String weightScale = null;
            if (q == null) {
                weight = g.floats(name + "_W", shape, floats(w));
            } else {
                int channels = q.scales().length;
                weightScale = g.floats(name + "_W_scale", new long[] {channels}, q.scales());
                // explicit per-channel int8 zero points: ONNX Runtime's QGemm insists on them
                weight = g.node("DequantizeLinear", List.of(g.int8s(name + "_W_q", shape, q.values()), weightScale,
                        g.int8s(name + "_W_zero", new long[] {channels}, new byte[channels])), name + "_W",
                        Attr.i("axis", q.channelIsLastDim() ? 1 : 0));
            }
            Float range = q == null ? null : inputRanges.get(key);
            boolean unsigned = nonNegative.contains(x);
            // uint8 activations, the kind ONNX Runtime's integer kernels take on every x86 CPU (u8 x s8): zero point
            // 0 over [0, range] for inputs that cannot be negative (after a ReLU, pixels), 128 over [-range, range]
            // otherwise. A ReLU followed by a zero-point-0 QuantizeLinear is the pattern ONNX Runtime deletes
            // (the clamp at 0 is the ReLU); with int8 zero point 0 it fused Gemm+ReLU into float FusedGemm first and
            // ran two of the quickstart's three layers in float, dequantizing the weights on every call (ORT 1.30)
            float inScale = range == null || !(range > 0) ? 0f : range / (unsigned ? 255f : 127f); // 0: stays float
            List<String> in = new ArrayList<>();
            String inScaleName = null;
            if (inScale > 0) {
                inScaleName = g.floats(name + "_in_scale", new long[0], new float[] {inScale});
                String zero = g.uint8s(name + "_in_zero", new long[0], new byte[] {(byte) (unsigned ? 0 : 128)});
                String xq = g.node("QuantizeLinear", List.of(x, inScaleName, zero), g.name(name + "_in_q"));
                x = g.node("DequantizeLinear", List.of(xq, inScaleName, zero), g.name(name + "_in_dq"));
            }
            in.add(x);
            in.add(weight);
            if (hasBias) {
                float[] bias = floats(layer.getParam("b"));
                long[] biasShape = {bias.length};
                int[] biasQ = inScale > 0 ? int32Bias(bias, inScale, q.scales()) : null;
                if (biasQ == null) {
                    in.add(g.floats(name + "_b", biasShape, bias));
                } else {
                    // the bias scale is input scale x weight scale by definition: a Mul of two stored constants
                    // (folded when the session loads) instead of another float per channel in the file; the zero
                    // point is left out, as DequantizeLinear allows (0)
                    String biasScale = g.node("Mul", List.of(inScaleName, weightScale), name + "_b_scale");
                    in.add(g.node("DequantizeLinear", List.of(g.int32s(name + "_b_q", biasShape, biasQ), biasScale),
                            name + "_b", Attr.i("axis", 0)));
                }
            }
            return in;
        }

        /** round(b / (inScale * weightScale[c])) per channel; null if a value does not fit in int32. */
        private static int[] int32Bias(float[] bias, float inScale, float[] weightScales) {
            int[] out = new int[bias.length];
            for (int c = 0; c < bias.length; c++) {
                double v = Math.rint(bias[c] / ((double) inScale * weightScales[c]));
                if (!(Math.abs(v) <= Integer.MAX_VALUE)) {
                    return null;
                }
                out[c] = (int) v;
            }
            return out;
        }

        private String activation(IActivation fn, String x, String name, String key) {
            if (fn instanceof ActivationIdentity) {
                return x;
            }
            if (fn instanceof ActivationReLU) {
                String out = g.node("Relu", List.of(x), g.name(name + "_relu"));
                nonNegative.add(out);
                return out;
            }
            if (fn instanceof ActivationLReLU l) {
                return g.node("LeakyRelu", List.of(x), g.name(name + "_lrelu"), Attr.f("alpha", (float) l.getAlpha()));
            }
            if (fn instanceof ActivationSoftmax) {
                return g.node("Softmax", List.of(x), g.name(name + "_softmax"), Attr.i("axis", 1));
            }
            if (fn instanceof ActivationTanH) {
                return g.node("Tanh", List.of(x), g.name(name + "_tanh"));
            }
            if (fn instanceof ActivationSigmoid) {
                return g.node("Sigmoid", List.of(x), g.name(name + "_sigmoid"));
            }
            throw new UserError("ONNX export: layer " + key + " has activation " + fn + ", which the exporter does"
                    + " not map (supported: identity, relu, leakyrelu, softmax, tanh, sigmoid)");
        }
    }

    private static float[] floats(INDArray a) {
        return a.dup('c').castTo(DataType.FLOAT).data().asFloat();
    }

    private static float[] filled(int n, double value) {
        float[] out = new float[n];
        java.util.Arrays.fill(out, (float) value);
        return out;
    }

    private static Attr[] convAttrs(int[] kernel, int[] stride, int[] padding, int[] dilation, ConvolutionMode mode) {
        List<Attr> attrs = new ArrayList<>(List.of(Attr.ints("kernel_shape", kernel[0], kernel[1]),
                Attr.ints("strides", stride[0], stride[1])));
        if (mode == ConvolutionMode.Same) {
            attrs.add(Attr.s("auto_pad", "SAME_UPPER"));
        } else {
            attrs.add(Attr.ints("pads", padding[0], padding[1], padding[0], padding[1]));
        }
        if (dilation != null) {
            attrs.add(Attr.ints("dilations", dilation[0], dilation[1]));
        }
        return attrs.toArray(new Attr[0]);
    }

    private static UserError unsupported(String key, Layer conf, String detail) {
        return new UserError("ONNX export: layer " + key + " (" + conf.getClass().getSimpleName()
                + (detail == null ? "" : ", " + detail) + ") is not supported; supported: Dense, Output (softmax),"
                + " Convolution, Convolution1D, EmbeddingSequence (also in MaskZero), Subsampling (max/avg), GlobalPooling (max/avg),"
                + " BatchNormalization, Activation, Dropout");
    }
}
