package v1alpha1

// TearsDown says whether deleting the Run runs its teardown Job first
// (teardownOnDelete, true unless set to false), and so whether Finalizer
// holds the Run. The controller and the mutating webhook both ask it.
func (s *RunSpec) TearsDown() bool {
	return s.TeardownOnDelete == nil || *s.TeardownOnDelete
}
