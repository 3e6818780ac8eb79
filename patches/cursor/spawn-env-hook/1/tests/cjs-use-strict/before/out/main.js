/*! loader */
"use strict";const{spawnSync:t}=require("child_process");t("ls");
