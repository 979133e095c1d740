"""The jupyter_server side: thin routes over the engine."""
