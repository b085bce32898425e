package dev.dlpipe.compress;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.model.Network;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Activation ranges for full int8: the largest absolute input each weight layer (dense, output, convolution) sees
 * on a calibration sample of training rows. Export turns each range into a uint8 scale (range / 255 above zero point 0 for inputs that cannot be negative, range / 127 around 128 for the rest). Written by compress as
 * {@code activation-ranges.json} and read by export, which puts QuantizeLinear/DequantizeLinear on those inputs.
 */
public final class ActivationCalibration {

    public static final String FILE = "activation-ranges.json";

    private ActivationCalibration() {
    }

    /** Layer name ({@link Network}) to max |input| over the sample, for the layers that carry weights. */
    public static Map<String, Float> inputRanges(Network net, INDArray sample) {
        Map<String, Float> ranges = new LinkedHashMap<>();
        net.inputMaxAbs(sample).forEach((name, range) -> {
            Layer conf = net.layer(name);
            if (conf instanceof DenseLayer || conf instanceof OutputLayer || conf instanceof ConvolutionLayer) {
                ranges.put(name, range);
            }
        });
        return ranges;
    }

    public static void write(String file, Map<String, Float> ranges, long rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", "max-abs over the calibration sample; export: uint8, scale range / 255 (zero point 0) for non-negative inputs, range / 127 (zero point 128) otherwise");
        m.put("rows", rows);
        m.put("input_range_by_layer", ranges);
        Fs.writeString(file, Json.write(m));
    }

    /** The ranges in {@code file}, or an empty map if there is none (weights-only int8 then). */
    public static Map<String, Float> read(String file) {
        Map<String, Float> out = new LinkedHashMap<>();
        if (!Fs.exists(file)) {
            return out;
        }
        Object layers = Json.readMap(Fs.readString(file)).get("input_range_by_layer");
        if (layers instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put((String) k, ((Number) v).floatValue()));
        }
        return out;
    }
}
