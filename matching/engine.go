package matching

// Config configures an Engine.
type Config struct {
	Instruments []Instrument
}

// Engine is the deterministic matching core (work in progress).
type Engine struct{}

// NewEngine builds an engine over the given instruments.
func NewEngine(cfg Config) (*Engine, error) { return &Engine{}, nil }

// Apply applies one command and returns its events; the slice is reused by the
// next Apply.
func (e *Engine) Apply(cmd *Command) []Event { return nil }

// StateHash returns a SHA-256 over the engine's canonical state.
func (e *Engine) StateHash() [32]byte { return [32]byte{} }
