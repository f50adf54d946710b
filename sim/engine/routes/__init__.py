"""The stages a case passes through: police and charging, caution, the scheme, self-referral, the
courts and what follows a disposal. Each is handed the stages its cases go to next when the model is
built (see :class:`sim.engine.model.Model`)."""
