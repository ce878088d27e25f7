"""The research agent: a request in words becomes a DesignSpec."""
