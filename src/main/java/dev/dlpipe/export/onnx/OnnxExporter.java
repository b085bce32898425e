package dev.dlpipe.export.onnx;

import dev.dlpipe.compress.Int8Quantizer;
import dev.dlpipe.core.UserError;
import dev.dlpipe.export.onnx.OnnxGraph.Attr;
import dev.dlpipe.image.TensorSpec;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exports a DL4J MultiLayerNetwork (the MLP and the LeNet-style CNN) to ONNX. Input {@code features} is
 * [N, C*H*W] float32, exactly what the packed data and the DL4J model take; output {@code probabilities} is
 * [N, classes]. Dense layers become Gemm, convolutions Conv, pooling MaxPool/AveragePool, DL4J's preprocessors
 * Reshape/Flatten; dropout disappears (inference). {@code int8} stores every weight tensor as symmetric
 * per-output-channel int8 behind a DequantizeLinear (QDQ), the layout ONNX Runtime fuses into integer kernels.
 * Anything else is refused with the layer's index and type.
 */
public final class OnnxExporter {

    public static final String INPUT = "features";
    public static final String OUTPUT = "probabilities";

    private OnnxExporter() {
    }

    public static byte[] export(MultiLayerNetwork net, TensorSpec spec, boolean int8, Map<String, String> metadata,
                                String version) {
        return export(net, spec, int8, Map.of(), metadata, version);
    }

    /**
     * {@code inputRanges} (layer index to calibrated max |input|): with int8, each of those layers' inputs also goes
     * through QuantizeLinear/DequantizeLinear (symmetric int8, scale = range / 127), so the whole layer can run in
     * integer arithmetic. Without ranges, int8 covers the weights only.
     */
    public static byte[] export(MultiLayerNetwork net, TensorSpec spec, boolean int8, Map<Integer, Float> inputRanges,
                                Map<String, String> metadata, String version) {
        OnnxGraph g = new OnnxGraph();
        g.input(INPUT, OnnxGraph.FLOAT, -1, spec.featureSize());
        String x = INPUT;
        int n = net.getnLayers();
        for (int i = 0; i < n; i++) {
            InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(i);
            x = preprocess(g, pre, x, i);
            Layer conf = net.getLayerWiseConfigurations().getConf(i).getLayer();
            String name = "layer" + i;
            if (conf instanceof ConvolutionLayer c && !(conf instanceof org.deeplearning4j.nn.conf.layers.Convolution1DLayer)) {
                requireDefaults(c, i);
                INDArray w = net.getLayer(i).getParam("W");
                x = quantizedInput(g, x, int8 ? inputRanges.get(i) : null, name);
                String wName = weight(g, name + "_W", w, int8);
                String bName = g.floats(name + "_b", new long[] {w.size(0)}, net.getLayer(i).getParam("b").toFloatVector());
                x = g.node("Conv", List.of(x, wName, bName), g.name(name + "_conv"), convAttrs(c.getKernelSize(),
                        c.getStride(), c.getPadding(), c.getDilation(), c.getConvolutionMode()));
                x = activation(g, c.getActivationFn(), x, name, i);
            } else if (conf instanceof SubsamplingLayer s && !(conf instanceof org.deeplearning4j.nn.conf.layers.Subsampling1DLayer)) {
                String op = switch (s.getPoolingType()) {
                    case MAX -> "MaxPool";
                    case AVG -> "AveragePool";
                    default -> throw unsupported(i, conf, "pooling type " + s.getPoolingType());
                };
                x = g.node(op, List.of(x), g.name(name + "_pool"), convAttrs(s.getKernelSize(), s.getStride(),
                        s.getPadding(), null, s.getConvolutionMode()));
            } else if (conf instanceof DenseLayer || conf instanceof OutputLayer) {
                BaseLayer b = (BaseLayer) conf;
                if (conf instanceof OutputLayer o && !(o.getActivationFn() instanceof ActivationSoftmax)) {
                    throw unsupported(i, conf, "output activation " + o.getActivationFn());
                }
                INDArray w = net.getLayer(i).getParam("W");
                x = quantizedInput(g, x, int8 ? inputRanges.get(i) : null, name);
                String wName = weight(g, name + "_W", w, int8);
                String bName = g.floats(name + "_b", new long[] {w.size(1)}, net.getLayer(i).getParam("b").toFloatVector());
                x = g.node("Gemm", List.of(x, wName, bName), g.name(name + "_gemm"));
                x = activation(g, b.getActivationFn(), x, name, i);
            } else if (conf instanceof DropoutLayer) {
                // identity at inference
            } else {
                throw unsupported(i, conf, null);
            }
        }
        x = g.node("Identity", List.of(x), OUTPUT);
        g.output(OUTPUT, OnnxGraph.FLOAT, -1, spec.numClasses());
        metadata.forEach(g::metadata);
        return g.toModel("dlpipe", version);
    }

    private static String preprocess(OnnxGraph g, InputPreProcessor pre, String x, int layer) {
        if (pre == null) {
            return x;
        }
        if (pre instanceof FeedForwardToCnnPreProcessor p) {
            String shape = g.int64s(g.name("shape"), new long[] {4},
                    new long[] {-1, p.getNumChannels(), p.getInputHeight(), p.getInputWidth()});
            return g.node("Reshape", List.of(x, shape), g.name("nchw"));
        }
        if (pre instanceof CnnToFeedForwardPreProcessor) {
            return g.node("Flatten", List.of(x), g.name("flat"), Attr.i("axis", 1)); // DL4J flattens C order too
        }
        throw new UserError("ONNX export: input preprocessor of layer " + layer + " (" + pre.getClass().getSimpleName()
                + ") is not supported");
    }

    /** x through QuantizeLinear + DequantizeLinear with a calibrated symmetric int8 scale; x itself without a range. */
    private static String quantizedInput(OnnxGraph g, String x, Float range, String name) {
        if (range == null || !(range > 0)) {
            return x;
        }
        String scale = g.floats(name + "_in_scale", new long[0], new float[] {range / 127f});
        String zero = g.int8s(name + "_in_zero", new long[0], new byte[1]);
        String q = g.node("QuantizeLinear", List.of(x, scale, zero), g.name(name + "_in_q"));
        return g.node("DequantizeLinear", List.of(q, scale, zero), g.name(name + "_in_dq"));
    }

    /** FP32 initializer, or int8 values + per-channel scales + zero points behind a DequantizeLinear. */
    private static String weight(OnnxGraph g, String name, INDArray w, boolean int8) {
        float[] values = w.dup('c').castTo(DataType.FLOAT).data().asFloat();
        long[] shape = w.shape();
        if (!int8) {
            return g.floats(name, shape, values);
        }
        Int8Quantizer.Quantized q = Int8Quantizer.quantize(values, shape);
        int channels = q.scales().length;
        String qName = g.int8s(name + "_q", shape, q.values());
        String scale = g.floats(name + "_scale", new long[] {channels}, q.scales());
        String zero = g.int8s(name + "_zero", new long[] {channels}, new byte[channels]);
        return g.node("DequantizeLinear", List.of(qName, scale, zero), name, Attr.i("axis", q.channelIsLastDim() ? 1 : 0));
    }

    private static Attr[] convAttrs(int[] kernel, int[] stride, int[] padding, int[] dilation, ConvolutionMode mode) {
        List<Attr> attrs = new java.util.ArrayList<>(List.of(Attr.ints("kernel_shape", kernel[0], kernel[1]),
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

    private static void requireDefaults(ConvolutionLayer c, int i) {
        if (c.getConvolutionMode() == ConvolutionMode.Causal) {
            throw unsupported(i, c, "causal convolution");
        }
    }

    private static String activation(OnnxGraph g, IActivation fn, String x, String name, int layer) {
        if (fn instanceof ActivationIdentity) {
            return x;
        }
        if (fn instanceof ActivationReLU) {
            return g.node("Relu", List.of(x), g.name(name + "_relu"));
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
        throw new UserError("ONNX export: layer " + layer + " has activation " + fn + ", which the exporter does not map");
    }

    private static UserError unsupported(int i, Layer conf, String detail) {
        return new UserError("ONNX export: layer " + i + " (" + conf.getClass().getSimpleName()
                + (detail == null ? "" : ", " + detail) + ") is not supported; supported: Dense, Output (softmax),"
                + " Convolution, Subsampling (max/avg), Dropout");
    }
}
