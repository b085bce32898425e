package dev.dlpipe.train;

import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.api.Model;

/**
 * The networks {@code train.model} can name, each with its builder: a kind without one does not compile, and a
 * name without a kind is an error naming the choices (the factory used to build an MLP for any unknown name).
 */
public enum ModelKind {
    MLP {
        @Override
        public Model create(TrainSettings s, TensorSpec spec) {
            return ModelFactory.multiLayer(ModelFactory.mlp(s, spec));
        }
    },
    LENET {
        @Override
        public Model create(TrainSettings s, TensorSpec spec) {
            return ModelFactory.multiLayer(ModelFactory.lenet(s, spec));
        }
    },
    RESNET {
        @Override
        public Model create(TrainSettings s, TensorSpec spec) {
            return ModelFactory.graph(ModelFactory.residual(s, spec));
        }

        @Override
        public boolean graph() {
            return true;
        }
    };

    /** The initialized network: a MultiLayerNetwork, or a ComputationGraph where {@link #graph()}. */
    public abstract Model create(TrainSettings s, TensorSpec spec);

    public boolean graph() {
        return false;
    }

    /** The name in configuration files ({@code train.model: lenet}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static List<String> configNames() {
        return Arrays.stream(values()).map(ModelKind::configName).toList();
    }

    public static ModelKind of(String name) {
        for (ModelKind k : values()) {
            if (k.configName().equals(name)) {
                return k;
            }
        }
        throw new UserError("train.model '" + name + "' is not a model dlpipe builds; choose one of " + configNames());
    }
}
