package dev.dlpipe.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one ONNX model: nodes, initializers (weights), typed inputs and outputs, opset and metadata, encoded
 * straight to the ONNX protobuf schema (field numbers from onnx.proto: ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto).
 */
public final class OnnxGraph {

    /** ONNX TensorProto.DataType values used here. */
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    /** IR version 8 and opset 17: what ONNX 1.12+ (Debian 12's checker) and current ONNX Runtime both accept. */
    public static final long IR_VERSION = 8;
    public static final long OPSET = 17;

    private final List<ProtoWriter> nodes = new ArrayList<>();
    private final List<ProtoWriter> initializers = new ArrayList<>();
    private final List<ProtoWriter> inputs = new ArrayList<>();
    private final List<ProtoWriter> outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final java.util.Set<String> domains = new java.util.TreeSet<>();
    private int counter;

    /** The ONNX-ML operator domain (tree ensembles) and the opset of it used, which ONNX Runtime 1.20+ runs. */
    public static final String ML = "ai.onnx.ml";
    public static final long ML_OPSET = 3;

    /** A fresh tensor name with a readable prefix. */
    public String name(String prefix) {
        return prefix + "_" + (counter++);
    }

    /** One attribute of a node. */
    public record Attr(String name, Object value) {
        public static Attr ints(String name, long... values) {
            return new Attr(name, values);
        }

        public static Attr i(String name, long value) {
            return new Attr(name, value);
        }

        public static Attr f(String name, float value) {
            return new Attr(name, value);
        }

        public static Attr s(String name, String value) {
            return new Attr(name, value);
        }

        public static Attr floats(String name, float... values) {
            return new Attr(name, values);
        }

        public static Attr strings(String name, String... values) {
            return new Attr(name, values);
        }

        ProtoWriter encode() {
            ProtoWriter a = new ProtoWriter().string(1, name);
            if (value instanceof Float f) {
                a.float32(2, f).varint(20, 1);
            } else if (value instanceof Long i) {
                a.varint(3, i).varint(20, 2);
            } else if (value instanceof String s) {
                a.string(4, s).varint(20, 3);
            } else if (value instanceof long[] ints) {
                a.packedVarints(8, ints).varint(20, 7);
            } else if (value instanceof float[] fs) {
                a.packedFloats(7, fs).varint(20, 6);
            } else if (value instanceof String[] ss) {
                for (String v : ss) {
                    a.string(9, v);
                }
                a.varint(20, 8);
            } else {
                throw new IllegalArgumentException("attribute type " + value.getClass());
            }
            return a;
        }
    }

    /** Adds a node; returns its (single) output name. */
    public String node(String opType, List<String> in, String out, Attr... attrs) {
        return node("", opType, in, List.of(out), attrs).get(0);
    }

    /**
     * Adds a node of an operator domain ("" for the default, {@link #ML} for ai.onnx.ml) with several outputs;
     * the model then imports that domain.
     */
    public List<String> node(String domain, String opType, List<String> in, List<String> outs, Attr... attrs) {
        ProtoWriter n = new ProtoWriter();
        for (String i : in) {
            n.string(1, i);
        }
        for (String o : outs) {
            n.string(2, o);
        }
        n.string(3, outs.get(0) + "_node").string(4, opType);
        for (Attr a : attrs) {
            n.message(5, a.encode());
        }
        if (!domain.isEmpty()) {
            n.string(7, domain);
            domains.add(domain);
        }
        nodes.add(n);
        return outs;
    }

    public String floats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return initializer(name, FLOAT, dims, b.array());
    }

    public String int8s(String name, long[] dims, byte[] values) {
        return initializer(name, INT8, dims, values);
    }

    public String uint8s(String name, long[] dims, byte[] values) {
        return initializer(name, UINT8, dims, values);
    }

    public String int32s(String name, long[] dims, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return initializer(name, INT32, dims, b.array());
    }

    public String int64s(String name, long[] dims, long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return initializer(name, INT64, dims, b.array());
    }

    private String initializer(String name, int type, long[] dims, byte[] raw) {
        ProtoWriter t = new ProtoWriter();
        if (dims.length > 0) {
            t.packedVarints(1, dims);
        }
        t.varint(2, type).string(8, name).bytes(9, raw);
        initializers.add(t);
        return name;
    }

    /** A graph input or output; a dimension of -1 is symbolic ("N", the batch). */
    private static ProtoWriter valueInfo(String name, int type, long[] dims) {
        ProtoWriter shape = new ProtoWriter();
        for (long d : dims) {
            ProtoWriter dim = d < 0 ? new ProtoWriter().string(2, "N") : new ProtoWriter().varint(1, d);
            shape.message(1, dim);
        }
        ProtoWriter tensor = new ProtoWriter().varint(1, type).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }

    public void input(String name, int type, long... dims) {
        inputs.add(valueInfo(name, type, dims));
    }

    public void output(String name, int type, long... dims) {
        outputs.add(valueInfo(name, type, dims));
    }

    public void metadata(String key, String value) {
        metadata.put(key, value);
    }

    public byte[] toModel(String graphName, String producerVersion) {
        ProtoWriter g = new ProtoWriter();
        nodes.forEach(n -> g.message(1, n));
        g.string(2, graphName);
        initializers.forEach(t -> g.message(5, t));
        inputs.forEach(i -> g.message(11, i));
        outputs.forEach(o -> g.message(12, o));
        ProtoWriter m = new ProtoWriter().varint(1, IR_VERSION).string(2, "dlpipe").string(3, producerVersion);
        m.message(7, g);
        m.message(8, new ProtoWriter().string(1, "").varint(2, OPSET));
        for (String d : domains) {
            m.message(8, new ProtoWriter().string(1, d).varint(2, ML.equals(d) ? ML_OPSET : 1));
        }
        metadata.forEach((k, v) -> m.message(14, new ProtoWriter().string(1, k).string(2, v)));
        return m.toByteArray();
    }
}
