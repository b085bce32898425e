package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.config.ConfigSchema;
import dev.dlpipe.core.Stage;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ModelKind;
import dev.dlpipe.train.TrainSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The config schema names stages, data kinds and models as strings (config cannot depend on the packages that
 * implement them); these tests hold the lists and the implementations together, so a schema value without an
 * implementation, or an implementation the schema cannot select, fails here and not in a user's run.
 */
class DefinitionsTest {

    @Test
    void everyStageInTheSchemaIsDefinedInOrder() {
        assertEquals(PipelineStage.names(), ConfigSchema.get("pipeline.stages").allowed());
    }

    @Test
    void everyDataKindHasACleanAndAnAugmentImplementation() {
        List<String> kinds = ConfigSchema.get("pipeline.data-kind").allowed().stream()
                .filter(k -> !k.equals(DataKinds.AUTO)).toList(); // auto is resolved before any stage is made
        // a tensor dataset is read as stored: it starts at train and has every stage from there on
        List<String> raw = kinds.stream().filter(k -> !PipelineStage.inputIsTensors(k)).toList();
        assertEquals(raw, PipelineStage.CLEAN.dataKinds());
        assertEquals(raw, PipelineStage.AUGMENT.dataKinds());
        for (PipelineStage s : List.of(PipelineStage.TRAIN, PipelineStage.COMPRESS, PipelineStage.EXPORT,
                PipelineStage.SCORE)) {
            assertTrue(s.dataKinds().contains("tensor"), s.toString());
        }
        for (PipelineStage stage : PipelineStage.values()) {
            for (String kind : kinds) {
                if (stage.dataKinds().contains(kind)) {
                    Stage s = stage.create(kind);
                    assertEquals(stage.stageName(), s.name(), stage + " for " + kind);
                } else {
                    UserError e = assertThrows(UserError.class, () -> stage.create(kind));
                    assertTrue(e.getMessage().contains("pipeline.data-kind is " + kind), e.getMessage());
                }
            }
        }
        assertThrows(UserError.class, () -> PipelineStage.of("clan"));
    }

    @Test
    void everyModelInTheSchemaHasABuilderThatBuilds() {
        assertEquals(ModelKind.configNames(), ConfigSchema.get("train.model").allowed());
        TensorSpec image = new TensorSpec(1, 28, 28, "unit", 3);
        TensorSpec tokens = new TensorSpec(1, 1, 16, TensorSpec.TOKEN_IDS, 3, 30);
        for (ModelKind kind : ModelKind.values()) {
            TensorSpec spec = kind.text() ? tokens : image;
            TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.model=" + kind.configName(),
                    "train.hidden-units=8", "train.hidden-layers=1")));
            org.deeplearning4j.nn.api.Model net = kind.create(s, spec);
            assertEquals(kind.graph(), net instanceof org.deeplearning4j.nn.graph.ComputationGraph, kind.toString());
            assertTrue(net.numParams() > 0, kind.toString());
        }
        UserError e = assertThrows(UserError.class, () -> ModelKind.of("vgg"));
        assertEquals("train.model 'vgg' is not a model dlpipe builds; choose one of [mlp, lenet, resnet, text-mean, text-cnn]",
                e.getMessage());
    }
}
