package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --resume continues only on the data the checkpoint was trained on. */
class ResumeDataCheckTest {

    @Test
    void aCheckpointFromAnotherPackIsRefused() {
        Checkpoints.Loaded then = new Checkpoints.Loaded(2, "ck/epoch-0002", null, Map.of("input_sha256", "aaa"));
        TrainStage.checkSameData(then, "aaa", "pack");
        UserError e = assertThrows(UserError.class, () -> TrainStage.checkSameData(then, "bbb", "other-pack"));
        assertTrue(e.getMessage().startsWith("--resume: checkpoint ck/epoch-0002 was trained on other data (pack SHA-256 "
                + "aaa), not on other-pack (bbb)"), e.getMessage());
        UserError old = assertThrows(UserError.class, () -> TrainStage.checkSameData(
                new Checkpoints.Loaded(1, "ck/epoch-0001", null, Map.of()), "aaa", "pack"));
        assertTrue(old.getMessage().contains("does not record which packed data"), old.getMessage());
    }
}
