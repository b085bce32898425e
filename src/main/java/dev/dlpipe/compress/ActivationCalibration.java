package dev.dlpipe.compress;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Activation ranges for full int8: the largest absolute input each weight layer (dense, output, convolution) sees
 * on a calibration sample of training rows. A symmetric int8 scale is range / 127. Written by compress as
 * {@code activation-ranges.json} and read by export, which puts QuantizeLinear/DequantizeLinear on those inputs.
 */
public final class ActivationCalibration {

    public static final String FILE = "activation-ranges.json";

    private ActivationCalibration() {
    }

    /** Layer index to max |input| over the sample, for the layers that carry weights. */
    public static Map<Integer, Float> inputRanges(MultiLayerNetwork net, INDArray sample) {
        List<INDArray> acts = net.feedForward(sample, false); // [0] = input, [i + 1] = output of layer i
        Map<Integer, Float> ranges = new TreeMap<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            Layer conf = net.getLayerWiseConfigurations().getConf(i).getLayer();
            if (conf instanceof DenseLayer || conf instanceof OutputLayer || conf instanceof ConvolutionLayer) {
                ranges.put(i, acts.get(i).amaxNumber().floatValue()); // pre-processors reshape, they do not rescale
            }
        }
        return ranges;
    }

    public static void write(String file, Map<Integer, Float> ranges, long rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "max-abs over the calibration sample, symmetric int8 (scale = range / 127)");
        m.put("rows", rows);
        Map<String, Object> layers = new LinkedHashMap<>();
        ranges.forEach((k, v) -> layers.put(String.valueOf(k), v));
        m.put("input_range_by_layer", layers);
        Fs.writeString(file, Json.write(m));
    }

    /** The ranges in {@code file}, or an empty map if there is none (weights-only int8 then). */
    public static Map<Integer, Float> read(String file) {
        Map<Integer, Float> out = new TreeMap<>();
        if (!Fs.exists(file)) {
            return out;
        }
        Object layers = Json.readMap(Fs.readString(file)).get("input_range_by_layer");
        if (layers instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(Integer.parseInt((String) k), ((Number) v).floatValue()));
        }
        return out;
    }
}
