//! SAVE, BGSAVE, DUMP, RESTORE and DEBUG RELOAD through the command table.
