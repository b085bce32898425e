package dev.dlpipe.text;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import java.util.Map;

/**
 * New raw text to the token ids a text model takes, as pack made them for training: the clean.text edits pack
 * recorded in tokenizer.json (with no length limits: a new text is scored whatever its length), the same tokenizer,
 * the vocabulary, padded or cut to the sequence length. Read from a pack or export directory, which carry both
 * files. Batch scoring applies these settings as Spark columns; {@link #ids} applies them to one text in plain Java
 * (the model server).
 */
public final class TextPreprocessing {

    private final CleanTextStage.Settings edits;
    private final TokenSequences.Settings sequences;
    private final Vocabulary vocabulary;
    private final TextEdits.OnOneText cleaning;

    private TextPreprocessing(CleanTextStage.Settings edits, TokenSequences.Settings sequences, Vocabulary vocabulary) {
        this.edits = edits;
        this.sequences = sequences;
        this.vocabulary = vocabulary;
        this.cleaning = new TextEdits.OnOneText(edits);
    }

    public static TextPreprocessing readFrom(String dir) {
        Map<String, Object> described = Json.readMap(Fs.readString(Fs.child(dir, Tokenizer.FILE)));
        @SuppressWarnings("unchecked")
        CleanTextStage.Settings edits = CleanTextStage.Settings.edits((Map<String, Object>) described.get("text_cleaning"));
        Vocabulary vocabulary = Vocabulary.parse(Fs.readString(Fs.child(dir, Vocabulary.FILE)));
        TokenSequences.Settings sequences = new TokenSequences.Settings(Tokenizer.fromMap(described),
                ((Number) described.get("sequence_length")).intValue(), 1, vocabulary.size());
        return new TextPreprocessing(edits, sequences, vocabulary);
    }

    public CleanTextStage.Settings edits() {
        return edits;
    }

    public TokenSequences.Settings sequences() {
        return sequences;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The text as clean left it: empty when nothing is left to score. */
    public String clean(String text) {
        return cleaning.apply(text);
    }

    /** The padded token ids of a cleaned text. */
    public float[] ids(String cleaned) {
        return vocabulary.encode(sequences.tokenizer().tokens(cleaned), sequences.length());
    }
}
