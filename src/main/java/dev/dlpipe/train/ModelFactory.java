package dev.dlpipe.train;

import dev.dlpipe.tensor.TensorSpec;
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

/**
 * Networks from training settings, all over flat CHW input: an MLP and a LeNet-style CNN (MultiLayerNetwork), and a
 * small residual CNN with batch normalization (ComputationGraph: its skip connections need a graph).
 */
public final class ModelFactory {

    private ModelFactory() {
    }

    /** The initialized network for the settings, as its {@link ModelKind} builds it. */
    public static org.deeplearning4j.nn.api.Model create(TrainSettings s, TensorSpec spec) {
        return ModelKind.of(s.model()).create(s, spec);
    }

    static org.deeplearning4j.nn.api.Model graph(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
        org.deeplearning4j.nn.graph.ComputationGraph g = new org.deeplearning4j.nn.graph.ComputationGraph(conf);
        g.init();
        return g;
    }

    static org.deeplearning4j.nn.api.Model multiLayer(MultiLayerConfiguration conf) {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static NeuralNetConfiguration.Builder base(TrainSettings s) {
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
        return base;
    }

    /**
     * A small ResNet: a 3x3 stem, one residual block at full resolution, 2x2 max pooling, a second block with a
     * 1x1 projection on the skip path (channels double), global average pooling, a dense layer and softmax. Every
     * convolution is followed by batch normalization; "same" padding keeps the skip shapes equal.
     */
    public static org.deeplearning4j.nn.conf.ComputationGraphConfiguration residual(TrainSettings s, TensorSpec spec) {
        var g = base(s).convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.convolutionalFlat(spec.height(), spec.width(), spec.channels()));
        conv(g, "stem", 16, 3, "in");
        String x = residualBlock(g, "b1", 16, "stem-act", "stem-act");
        g.addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                .stride(2, 2).build(), x);
        g.addLayer("b2-proj", new ConvolutionLayer.Builder(1, 1).nOut(32).activation(Activation.IDENTITY).build(), "pool");
        x = residualBlock(g, "b2", 32, "pool", "b2-proj");
        g.addLayer("gap", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build(), x);
        g.addLayer("dense", dense(s), "gap");
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(spec.numClasses())
                .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "dense");
        return g.setOutputs("out").build();
    }

    /** conv -> batch norm -> relu; the relu output is {@code name + "-act"}. */
    private static void conv(org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder g, String name,
                             int channels, int kernel, String input) {
        g.addLayer(name, new ConvolutionLayer.Builder(kernel, kernel).nOut(channels).activation(Activation.IDENTITY)
                .build(), input);
        g.addLayer(name + "-bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build(), name);
        g.addLayer(name + "-act", new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                .activation(Activation.RELU).build(), name + "-bn");
    }

    /** relu(skip + bn(conv(relu(bn(conv(input)))))); returns the name of the block's output. */
    private static String residualBlock(org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder g,
                                        String name, int channels, String input, String skip) {
        conv(g, name + "-c1", channels, 3, input);
        g.addLayer(name + "-c2", new ConvolutionLayer.Builder(3, 3).nOut(channels).activation(Activation.IDENTITY)
                .build(), name + "-c1-act");
        g.addLayer(name + "-c2-bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build(),
                name + "-c2");
        g.addVertex(name + "-add", new org.deeplearning4j.nn.conf.graph.ElementWiseVertex(
                org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add), name + "-c2-bn", skip);
        g.addLayer(name + "-out", new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                .activation(Activation.RELU).build(), name + "-add");
        return name + "-out";
    }

    /** {@code train.hidden-layers} dense layers of {@code train.hidden-units}, then softmax. */
    static MultiLayerConfiguration mlp(TrainSettings s, TensorSpec spec) {
        NeuralNetConfiguration.ListBuilder list = base(s).list();
        int layer = 0;
        for (int i = 0; i < s.hiddenLayers(); i++) {
            list.layer(layer++, dense(s));
        }
        return withOutput(list, layer, spec);
    }

    /** LeNet-5 style: two 5x5 convolution + 2x2 max-pool pairs (20 and 50 filters), one dense layer, softmax. */
    static MultiLayerConfiguration lenet(TrainSettings s, TensorSpec spec) {
        NeuralNetConfiguration.ListBuilder list = base(s).list();
        int layer = 0;
        list.layer(layer++, new ConvolutionLayer.Builder(5, 5).nOut(20).stride(1, 1)
                .activation(Activation.RELU).build());
        list.layer(layer++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2).stride(2, 2).build());
        list.layer(layer++, new ConvolutionLayer.Builder(5, 5).nOut(50).stride(1, 1)
                .activation(Activation.RELU).build());
        list.layer(layer++, new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(2, 2).stride(2, 2).build());
        list.layer(layer++, dense(s));
        return withOutput(list, layer, spec);
    }

    /**
     * Pooled token embeddings, then dense layers and softmax (a neural bag of words, as Keras' Embedding +
     * GlobalAveragePooling1D): padding embeds to zero ({@link #embedding}), so the pooled vector is the sum of the
     * text's own token vectors divided by the sequence length. DL4J's pooling does not see that mask, so this is not
     * divided by the text's length; the scale it leaves is what separates a short text from a long one. nIn values
     * are set by hand: DL4J's setInputType would overwrite the embedding's nIn (the vocabulary) with the length.
     */
    static MultiLayerConfiguration textMean(TrainSettings s, TensorSpec spec) {
        int e = s.text().embeddingSize();
        NeuralNetConfiguration.ListBuilder list = base(s).list();
        list.layer(0, embedding(spec, e));
        list.inputPreProcessor(0, new dev.dlpipe.model.TokenIdsToSequence(spec.featureSize()));
        list.layer(1, new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build());
        return textHead(list, 2, e, s, spec);
    }

    /**
     * A 1-D CNN over the embedding sequence (Kim, 2014, one kernel width): {@code train.text.filters} filters spanning
     * {@code train.text.kernel} tokens with "same" padding and ReLU, max over the sequence, dense layers, softmax.
     */
    static MultiLayerConfiguration textCnn(TrainSettings s, TensorSpec spec) {
        int e = s.text().embeddingSize();
        int filters = s.text().filters();
        NeuralNetConfiguration.ListBuilder list = base(s).list();
        list.layer(0, embedding(spec, e));
        list.inputPreProcessor(0, new dev.dlpipe.model.TokenIdsToSequence(spec.featureSize()));
        list.layer(1, new org.deeplearning4j.nn.conf.layers.Convolution1DLayer.Builder().nIn(e).nOut(filters)
                .kernelSize(s.text().kernel()).convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same)
                .activation(Activation.RELU).build());
        list.layer(2, new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.MAX).build());
        return textHead(list, 3, filters, s, spec);
    }

    /**
     * The token table: vocabulary x embedding size, no bias, identity (a lookup), inside DL4J's MaskZeroLayer, which
     * zeroes the embeddings where the id is the padding (0): the padding row never reaches the rest of the network
     * and gets no gradient, so a text scores the same however much padding follows it. Random rows are uniform in
     * +-0.05, as Keras initializes embeddings (DL4J's fan-in scaling would give 1/sqrt(vocabulary): near zero).
     */
    private static org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer embedding(TensorSpec spec, int size) {
        return new org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer.Builder().setMaskValue(0.0)
                .setUnderlying(new org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer.Builder()
                        .nIn(spec.vocabularySize()).nOut(size).inputLength(spec.featureSize()).hasBias(false)
                        .activation(Activation.IDENTITY).weightInit(new org.deeplearning4j.nn.weights.WeightInitDistribution(
                                new org.deeplearning4j.nn.conf.distribution.UniformDistribution(-0.05, 0.05))).build())
                .build();
    }

    private static MultiLayerConfiguration textHead(NeuralNetConfiguration.ListBuilder list, int layer, int width,
                                                    TrainSettings s, TensorSpec spec) {
        int nIn = width;
        for (int i = 0; i < s.hiddenLayers(); i++) {
            DenseLayer d = dense(s);
            d.setNIn(nIn);
            list.layer(layer++, d);
            nIn = s.hiddenUnits();
        }
        list.layer(layer, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nIn)
                .nOut(spec.numClasses()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build());
        return list.build();
    }

    private static MultiLayerConfiguration withOutput(NeuralNetConfiguration.ListBuilder list, int layer, TensorSpec spec) {
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

    /**
     * float32, or float16 for GPUs with tensor cores; the same code path on CPU. DL4J 1.0.0-M2 networks accept only
     * DOUBLE, FLOAT or HALF ("Data type must be a floating point type"), so there is no bfloat16 option.
     */
    static org.nd4j.linalg.api.buffer.DataType dataType(String name) {
        return switch (name) {
            case "float32" -> org.nd4j.linalg.api.buffer.DataType.FLOAT;
            case "float16" -> org.nd4j.linalg.api.buffer.DataType.HALF;
            default -> throw new IllegalArgumentException("unknown train.dtype " + name);
        };
    }

    static IUpdater updater(TrainSettings s) {
        // float16 has no number below ~6e-8: the default epsilons (1e-8) round to zero and Adam divides by zero
        double epsilon = "float16".equals(s.dataType()) ? 1e-4 : 1e-8;
        switch (s.updater()) {
            case "sgd": return new Sgd(s.learningRate());
            case "nesterov": return new Nesterovs(s.learningRate(), 0.9);
            case "rmsprop": return new RmsProp(s.learningRate(), RmsProp.DEFAULT_RMSPROP_RMSDECAY, epsilon);
            case "adam":
            case "adamw": return new OnePassAdam(s.learningRate(), Adam.DEFAULT_ADAM_BETA1_MEAN_DECAY,
                    Adam.DEFAULT_ADAM_BETA2_VAR_DECAY, epsilon);
            default: throw new IllegalArgumentException("unknown updater " + s.updater());
        }
    }
}
