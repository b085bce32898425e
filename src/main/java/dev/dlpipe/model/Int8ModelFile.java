package dev.dlpipe.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A compact model file: the DL4J network configuration as JSON, weights as int8 with per-channel float scales,
 * and the small remaining parameters (biases) as float32. Loading dequantizes into a normal DL4J network, so the
 * accuracy measured is that of the int8 weights.
 */
public final class Int8ModelFile {

    private static final int MAGIC = 0x444C5138; // "DLQ8"
    private static final int VERSION = 2; // 2 added the network kind; 1 was MultiLayerNetwork only
    private static final int MULTI_LAYER = 0;
    private static final int GRAPH = 1;

    private Int8ModelFile() {
    }

    public static void write(Network net, OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeByte(net.isGraph() ? GRAPH : MULTI_LAYER);
        String json = net.isGraph() ? net.graph().getConfiguration().toJson()
                : net.multiLayer().getLayerWiseConfigurations().toJson();
        byte[] conf = json.getBytes(StandardCharsets.UTF_8);
        data.writeInt(conf.length);
        data.write(conf);
        Map<String, INDArray> params = net.paramTable();
        data.writeInt(params.size());
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            data.writeUTF(e.getKey());
            long[] shape = e.getValue().shape();
            data.writeByte(shape.length);
            for (long d : shape) {
                data.writeLong(d);
            }
            float[] values = e.getValue().dup('c').data().asFloat();
            if (Network.isWeight(e.getKey()) && (shape.length == 2 || shape.length == 4)) {
                Int8Quantizer.Quantized q = Int8Quantizer.quantize(values, shape);
                data.writeByte(8);
                data.writeInt(q.scales().length);
                for (float s : q.scales()) {
                    data.writeFloat(s);
                }
                data.write(q.values());
            } else {
                data.writeByte(32);
                for (float v : values) {
                    data.writeFloat(v);
                }
            }
        }
        data.flush();
    }

    public static Network read(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC) {
            throw new IOException(name + ": not a dlpipe int8 model file (bad magic)");
        }
        int version = data.readInt();
        if (version != 1 && version != VERSION) {
            throw new IOException(name + ": unsupported int8 model file version " + version);
        }
        int kind = version == 1 ? MULTI_LAYER : data.readByte();
        byte[] conf = new byte[data.readInt()];
        data.readFully(conf);
        String json = new String(conf, StandardCharsets.UTF_8);
        Model net;
        if (kind == GRAPH) {
            ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
            g.init();
            net = g;
        } else if (kind == MULTI_LAYER) {
            MultiLayerNetwork m = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
            m.init();
            net = m;
        } else {
            throw new IOException(name + ": unknown network kind " + kind);
        }
        int count = data.readInt();
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (int p = 0; p < count; p++) {
            String key = data.readUTF();
            long[] shape = new long[data.readByte()];
            long n = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = data.readLong();
                n *= shape[i];
            }
            float[] values;
            int bits = data.readByte();
            if (bits == 8) {
                float[] scales = new float[data.readInt()];
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = data.readFloat();
                }
                byte[] q = new byte[Math.toIntExact(n)];
                data.readFully(q);
                values = Int8Quantizer.dequantize(new Int8Quantizer.Quantized(q, scales, shape, shape.length == 2));
            } else {
                values = new float[Math.toIntExact(n)];
                for (int i = 0; i < values.length; i++) {
                    values[i] = data.readFloat();
                }
            }
            params.put(key, Nd4j.create(values, shape, 'c'));
        }
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            net.setParam(e.getKey(), e.getValue());
        }
        return new Network(net);
    }
}
