// Placeholder: replaced by the real tests for this component.
