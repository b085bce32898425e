package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** Hostile model zips are refused before DL4J (and Java deserialization) sees them. */
class ModelZipCheckTest {

    static byte[] realModel() throws Exception {
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.hidden-units=8",
                "train.hidden-layers=1")));
        return Models.bytes(new Network(ModelFactory.create(s, new TensorSpec(1, 4, 4, "unit", 3))));
    }

    /** {@code zip} with one more entry. */
    static byte[] withEntry(byte[] zip, String name, byte[] content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip));
             ZipOutputStream z = new ZipOutputStream(out)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(in.readAllBytes());
            }
            z.putNextEntry(new ZipEntry(name));
            z.write(content);
        }
        return out.toByteArray();
    }

    @Test
    void aPreprocessorEntryIsRefusedByNameBeforeDeserialization() throws Exception {
        byte[] hostile = withEntry(realModel(), "preprocessor.bin", dev.dlpipe.bench.AttackCorpus.slowObjectGraph(28));
        UserError e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(UserError.class, () -> Models.fromBytes(hostile, "evil/model.zip")));
        assertTrue(e.getMessage().startsWith("evil/model.zip: model zip holds an entry 'preprocessor.bin' that dlpipe"
                + " never writes"), e.getMessage());
    }

    @Test
    void anOversizedConfigurationIsABombNotAModel() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("configuration.json"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 65; i++) {
                z.write(zeros);
            }
        }
        UserError e = assertThrows(UserError.class, () -> Models.fromBytes(out.toByteArray(), "bomb.zip"));
        assertTrue(e.getMessage().contains("unpacks to more than 67108864 bytes"), e.getMessage());
    }

    @Test
    void ourOwnZipsStillLoad() throws Exception {
        assertEquals(3, Models.fromBytes(realModel(), "ok.zip").numClasses());
    }
}
