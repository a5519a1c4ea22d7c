"""Sensor analyses over the ANPR reads, sightings, scans and detections the store holds."""
