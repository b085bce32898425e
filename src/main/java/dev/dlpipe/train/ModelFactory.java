package dev.dlpipe.train;

import dev.dlpipe.image.TensorSpec;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Network configurations from training settings: an MLP and a LeNet-style CNN over flat CHW input. */
public final class ModelFactory {

    private ModelFactory() {
    }

    public static MultiLayerConfiguration build(TrainSettings s, TensorSpec spec) {
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(s.seed())
                .dataType(dataType(s.dataType()))
                .updater(updater(s))
                .weightInit(WeightInit.RELU);
        if (s.l2() > 0) {
            // AdamW is Adam with decoupled weight decay; the other updaters get classic L2
            if ("adamw".equals(s.updater())) {
                base.weightDecay(s.l2());
            } else {
                base.l2(s.l2());
            }
        }
        NeuralNetConfiguration.ListBuilder list = base.list();
        int layer = 0;
        if ("lenet".equals(s.model())) {
            list.layer(layer++, new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1)
                    .activation(Activation.RELU).build());
            list.layer(layer++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                    .kernelSize(2, 2).stride(2, 2).build());
            list.layer(layer++, new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1)
                    .activation(Activation.RELU).build());
            list.layer(layer++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                    .kernelSize(2, 2).stride(2, 2).build());
            list.layer(layer++, dense(s));
        } else {
            for (int i = 0; i < s.hiddenLayers(); i++) {
                list.layer(layer++, dense(s));
            }
        }
        list.layer(layer, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(spec.numClasses()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
        list.setInputType(InputType.convolutionalFlat(spec.height(), spec.width(), spec.channels()));
        return list.build();
    }

    private static DenseLayer dense(TrainSettings s) {
        DenseLayer.Builder b = new DenseLayer.Builder().nOut(s.hiddenUnits()).activation(Activation.RELU);
        if (s.dropout() > 0) {
            b.dropOut(1 - s.dropout()); // DL4J takes the probability of keeping a unit
        }
        return b.build();
    }

    /** float32, or half precision (float16 / bfloat16) for GPUs with tensor cores; same code path on CPU. */
    static org.nd4j.linalg.api.buffer.DataType dataType(String name) {
        return switch (name) {
            case "float32" -> org.nd4j.linalg.api.buffer.DataType.FLOAT;
            case "float16" -> org.nd4j.linalg.api.buffer.DataType.HALF;
            case "bfloat16" -> org.nd4j.linalg.api.buffer.DataType.BFLOAT16;
            default -> throw new IllegalArgumentException("unknown train.dtype " + name);
        };
    }

    static IUpdater updater(TrainSettings s) {
        switch (s.updater()) {
            case "sgd": return new Sgd(s.learningRate());
            case "nesterov": return new Nesterovs(s.learningRate(), 0.9);
            case "rmsprop": return new RmsProp(s.learningRate());
            case "adam":
            case "adamw": return new Adam(s.learningRate());
            default: throw new IllegalArgumentException("unknown updater " + s.updater());
        }
    }
}
