"""The edit plan and the safe rewrite: backups, write, proof, verification, kills, undo."""
