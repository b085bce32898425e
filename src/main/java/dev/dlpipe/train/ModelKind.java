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

        /** 5x5 conv, 2x2 pool, 5x5 conv, 2x2 pool without padding: ((n - 4) / 2 - 4) / 2 >= 1 needs n >= 16. */
        @Override
        int minSide() {
            return 16;
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

        /** "same" padding keeps sizes; one 2x2 pooling halves them: below 4 pixels there is no image left. */
        @Override
        int minSide() {
            return 4;
        }
    },
    TEXT_MEAN {
        @Override
        public Model create(TrainSettings s, TensorSpec spec) {
            return ModelFactory.multiLayer(ModelFactory.textMean(s, spec));
        }

        @Override
        public boolean text() {
            return true;
        }
    },
    TEXT_CNN {
        @Override
        public Model create(TrainSettings s, TensorSpec spec) {
            return ModelFactory.multiLayer(ModelFactory.textCnn(s, spec));
        }

        @Override
        public boolean text() {
            return true;
        }
    };

    /** Whether the network reads token ids (its first layer is an embedding table) rather than numbers. */
    public boolean text() {
        return false;
    }

    /** Smallest height and width the network takes (0: any shape, including flat vectors). */
    int minSide() {
        return 0;
    }

    /**
     * A one-line error before any Spark work when the network cannot take the input's shape (a convolution larger
     * than the image used to fail inside a Spark task after hundreds of log lines). {@code where} names the data.
     */
    public void requireFits(TensorSpec spec, String where) {
        if (spec == null) {
            throw new UserError(where + ": no tensor shape (no shards to read it from)");
        }
        if (text() != spec.tokenIds()) {
            throw new UserError("train.model '" + configName() + "' " + (text()
                    ? "reads token ids, but " + where + " holds numeric tensors (" + spec.normalize()
                    + "); use mlp, lenet or resnet"
                    : "reads numbers, but " + where + " holds text as token ids; use text-mean or text-cnn"));
        }
        int min = minSide();
        if (min > 0 && (spec.height() < min || spec.width() < min)) {
            String shape = spec.channels() + "x" + spec.height() + "x" + spec.width();
            throw new UserError("train.model '" + configName() + "' needs images of at least " + min + "x" + min
                    + " pixels, but " + where + " holds " + (spec.height() == 1 ? "flat vectors of " + spec.featureSize()
                    + " values" : shape + " (CxHxW) tensors") + "; use train.model: mlp"
                    + (spec.height() == 1 ? "" : ", or resize (clean.image.height / clean.image.width)"));
        }
    }

    /** The initialized network: a MultiLayerNetwork, or a ComputationGraph where {@link #graph()}. */
    public abstract Model create(TrainSettings s, TensorSpec spec);

    public boolean graph() {
        return false;
    }

    /** The name in configuration files ({@code train.model: lenet}). */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
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
