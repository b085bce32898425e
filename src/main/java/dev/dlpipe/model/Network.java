package dev.dlpipe.model;

import dev.dlpipe.UserError;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained network as compress, export and score see it: a MultiLayerNetwork (mlp, lenet) or a ComputationGraph
 * (resnet) with one input, [N, features], and one softmax output, [N, classes]. Layers are named in one key space:
 * a graph's by their vertex names, a MultiLayerNetwork's by their index ("0", "1", ...), which is also the prefix
 * DL4J gives their parameters ("0_W").
 */
public final class Network {

    private final Model model;

    /** True for the parameters pruning and quantization act on: DL4J names weights "{layer}_W". */
    public static boolean isWeight(String paramName) {
        return paramName.endsWith("_W");
    }

    public Network(Model model) {
        if (model instanceof ComputationGraph g) {
            ComputationGraphConfiguration c = g.getConfiguration();
            if (c.getNetworkInputs().size() != 1 || c.getNetworkOutputs().size() != 1) {
                throw new UserError("a ComputationGraph with inputs " + c.getNetworkInputs() + " and outputs "
                        + c.getNetworkOutputs() + ": compress, export and score take one input and one output");
            }
        } else if (!(model instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("not a MultiLayerNetwork or ComputationGraph: " + model.getClass());
        }
        this.model = model;
    }

    public Model model() {
        return model;
    }

    public boolean isGraph() {
        return model instanceof ComputationGraph;
    }

    public ComputationGraph graph() {
        return (ComputationGraph) model;
    }

    public MultiLayerNetwork multiLayer() {
        return (MultiLayerNetwork) model;
    }

    /** Inference (dropout off, batch norm on its running statistics). */
    public INDArray output(INDArray features) {
        return isGraph() ? graph().outputSingle(false, features) : multiLayer().output(features, false);
    }

    public long numParams() {
        return model.numParams();
    }

    public Map<String, INDArray> paramTable() {
        return model.paramTable();
    }

    public Network copy() {
        return new Network(isGraph() ? graph().clone() : multiLayer().clone());
    }

    public Network withDataType(DataType type) {
        return new Network(isGraph() ? graph().convertDataType(type) : multiLayer().convertDataType(type));
    }

    /** The size of the softmax output. */
    public int numClasses() {
        if (isGraph()) {
            String out = graph().getConfiguration().getNetworkOutputs().get(0);
            return Math.toIntExact(((FeedForwardLayer) layer(out)).getNOut());
        }
        return Math.toIntExact(multiLayer().layerSize(multiLayer().getnLayers() - 1));
    }

    /** Layer names in forward order (a topological order for a graph; input and non-layer vertices left out). */
    public List<String> layerNames() {
        List<String> names = new java.util.ArrayList<>();
        if (isGraph()) {
            for (int i : graph().topologicalSortOrder()) {
                var v = graph().getVertices()[i];
                if (v.hasLayer()) {
                    names.add(v.getVertexName());
                }
            }
        } else {
            for (int i = 0; i < multiLayer().getnLayers(); i++) {
                names.add(String.valueOf(i));
            }
        }
        return names;
    }

    /** The configuration of the named layer. */
    public Layer layer(String name) {
        if (isGraph()) {
            if (!(graph().getConfiguration().getVertices().get(name) instanceof LayerVertex v)) {
                throw new IllegalArgumentException("no layer " + name);
            }
            return v.getLayerConf().getLayer();
        }
        return multiLayer().getLayerWiseConfigurations().getConf(Integer.parseInt(name)).getLayer();
    }

    /**
     * The largest absolute value each layer receives for {@code x} (before its input preprocessor, which only
     * reshapes), by layer name: what int8 calibration needs. For a graph this drives the vertices directly, so it
     * must not run while another thread uses the same network (compress calls it once, on the driver).
     */
    public Map<String, Float> inputMaxAbs(INDArray x) {
        Map<String, Float> out = new LinkedHashMap<>();
        if (!isGraph()) {
            List<INDArray> acts = multiLayer().feedForward(x, false); // [0] = input, [i + 1] = output of layer i
            for (int i = 0; i < multiLayer().getnLayers(); i++) {
                out.put(String.valueOf(i), acts.get(i).amaxNumber().floatValue());
            }
            return out;
        }
        // Vertex by vertex rather than graph().feedForward: DL4J's activation layers work in place, so in its map
        // an array that also feeds an activation layer has been overwritten by the time the pass returns. Each
        // vertex here gets copies, and an output is dropped once its last consumer has run (bounded memory).
        ComputationGraphConfiguration conf = graph().getConfiguration();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        Map<String, Integer> pending = new java.util.HashMap<>();
        inputs.values().forEach(in -> in.forEach(v -> pending.merge(v, 1, Integer::sum)));
        Map<String, INDArray> acts = new java.util.HashMap<>(Map.of(conf.getNetworkInputs().get(0), x));
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        for (int i : graph().topologicalSortOrder()) {
            GraphVertex v = graph().getVertices()[i];
            String name = v.getVertexName();
            if (v.isInputVertex()) {
                continue;
            }
            List<String> in = inputs.get(name);
            if (v.hasLayer() && in.size() == 1) { // a layer with several inputs gets them through a merge vertex
                out.put(name, acts.get(in.get(0)).amaxNumber().floatValue());
            }
            for (int k = 0; k < in.size(); k++) {
                v.setInput(k, acts.get(in.get(k)).dup(), noWorkspaces);
                if (pending.merge(in.get(k), -1, Integer::sum) == 0) {
                    acts.remove(in.get(k));
                }
            }
            acts.put(name, v.doForward(false, noWorkspaces));
            v.clear();
        }
        return out;
    }
}
